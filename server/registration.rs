//! The words of technology contract registration (技术合同认定登记): where a contract or an
//! amendment stands in the registration workflow, what moves it on, and the registration number an
//! office gives it. Pure; the contract register, the reward ledger and the brokers' track record
//! name them from here.

use std::fmt;
use std::str::FromStr;

crate::text_enum! {
    /// Where a contract, or an amendment of one, stands: drafted by a party, submitted to the
    /// registering office, returned with reasons, or registered (with a number, for a contract).
    pub enum RegistrationStatus {
        Draft = "draft",
        Submitted = "submitted",
        Returned = "returned",
        Registered = "registered",
    }
}

crate::text_enum! {
    /// What a party or an officer does to a filing.
    pub enum Step {
        Submit = "submit",
        Return = "return",
        Register = "register",
    }
}

impl Step {
    /// The state the step leads to.
    pub fn leads_to(self) -> RegistrationStatus {
        match self {
            Step::Submit => RegistrationStatus::Submitted,
            Step::Return => RegistrationStatus::Returned,
            Step::Register => RegistrationStatus::Registered,
        }
    }
}

impl RegistrationStatus {
    /// The states a party may still change the filing in.
    pub const EDITABLE: [RegistrationStatus; 2] = [RegistrationStatus::Draft, RegistrationStatus::Returned];

    pub fn editable(self) -> bool {
        Self::EDITABLE.contains(&self)
    }

    /// The state a step leads to from this one, if it may be taken here.
    pub fn next(self, step: Step) -> Option<RegistrationStatus> {
        use RegistrationStatus::*;
        let may = match (self, step) {
            (Draft | Returned, Step::Submit) | (Submitted, Step::Return | Step::Register) => true,
            (Draft | Returned | Registered, Step::Return | Step::Register) | (Submitted | Registered, Step::Submit) => {
                false
            }
        };
        may.then(|| step.leads_to())
    }

    /// The states a step may be taken from.
    pub fn before(step: Step) -> Vec<RegistrationStatus> {
        Self::ALL.iter().copied().filter(|s| s.next(step).is_some()).collect()
    }
}

/// A registration number, REGION-YEAR-SEQ: the registering office's region code, the year of
/// registration and the office's running number in that year, six digits (`630000-2026-000042`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationNo {
    pub region: String,
    pub year: i32,
    pub seq: i32,
}

impl fmt::Display for RegistrationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:06}", self.region, self.year, self.seq)
    }
}

/// A text that is not a registration number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotARegistrationNo(pub String);

impl fmt::Display for NotARegistrationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a registration number: {:?}", self.0)
    }
}

impl std::error::Error for NotARegistrationNo {}

impl FromStr for RegistrationNo {
    type Err = NotARegistrationNo;
    fn from_str(s: &str) -> Result<RegistrationNo, NotARegistrationNo> {
        let bad = || NotARegistrationNo(s.to_string());
        let mut parts = s.trim().splitn(3, '-');
        let (Some(region), Some(year), Some(seq)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let digits =
            |t: &str, n: std::ops::RangeInclusive<usize>| n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(region, 6..=6) || !digits(year, 4..=4) || !digits(seq, 6..=9) {
            return Err(bad());
        }
        Ok(RegistrationNo {
            region: region.to_string(),
            year: year.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegistrationStatus::*;

    #[test]
    fn the_workflow_moves_only_forward_from_where_it_may() {
        assert_eq!(Draft.next(Step::Submit), Some(Submitted));
        assert_eq!(Returned.next(Step::Submit), Some(Submitted));
        assert_eq!(Submitted.next(Step::Return), Some(Returned));
        assert_eq!(Submitted.next(Step::Register), Some(Registered));
        assert_eq!(Submitted.next(Step::Submit), None);
        assert_eq!(Registered.next(Step::Submit), None);
        assert_eq!(Registered.next(Step::Return), None);
        assert_eq!(Draft.next(Step::Register), None);
        assert_eq!(RegistrationStatus::before(Step::Submit), vec![Draft, Returned]);
        assert_eq!(RegistrationStatus::before(Step::Register), vec![Submitted]);
        assert!(Draft.editable() && Returned.editable() && !Submitted.editable() && !Registered.editable());
    }

    #[test]
    fn a_number_reads_back_as_it_was_written() {
        let n = RegistrationNo {
            region: "630000".into(),
            year: 2026,
            seq: 42,
        };
        assert_eq!(n.to_string(), "630000-2026-000042");
        assert_eq!("630000-2026-000042".parse::<RegistrationNo>(), Ok(n));
        let big: RegistrationNo = "632800-2027-1234567".parse().unwrap();
        assert_eq!(big.seq, 1_234_567);
        assert_eq!(big.to_string(), "632800-2027-1234567");
    }

    #[test]
    fn other_texts_are_not_numbers() {
        for s in [
            "",
            "630000",
            "630000-2026",
            "63000-2026-000001",
            "630000-26-000001",
            "630000-2026-42",
            "630000-2026-00004a",
            "青海-2026-000001",
        ] {
            assert!(s.parse::<RegistrationNo>().is_err(), "{s}");
        }
    }
}
