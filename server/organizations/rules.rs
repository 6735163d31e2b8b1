//! The organizations' rules, pure: the flags an organization may declare and the check of a
//! declaration, the check of an invited person's account, and an officer's decision words. Each
//! check returns the problems field by field; the page translates them.

use crate::forms::{check_text, date_into};
use crate::i18n::{Msg, Problems};
use crate::vocabulary::Verification;

/// The status flags rewards depend on: SME, 科技型中小企业, high-tech enterprise.
pub const FLAGS: &[&str] = &["sme", "tech_sme", "high_tech"];

crate::text_enum! {
    /// Where a declared flag stands: awaiting an officer's check, confirmed (rewards count it), or
    /// rejected with a note.
    pub enum FlagStatus {
        Declared = "declared",
        Confirmed = "confirmed",
        Rejected = "rejected",
    }
}

/// A flag as declared on the verification page (the certificate is checked with the upload).
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct FlagInput {
    pub flag: String,
    pub certificate_no: String,
    pub valid_from: String,
    pub valid_to: String,
}

impl FlagInput {
    /// The fields as typed, trimmed.
    pub fn new(flag: String, certificate_no: &str, valid_from: &str, valid_to: &str) -> FlagInput {
        FlagInput {
            flag,
            certificate_no: certificate_no.trim().to_string(),
            valid_from: valid_from.trim().to_string(),
            valid_to: valid_to.trim().to_string(),
        }
    }

    /// What is wrong with the declaration: a flag that is none of [`FLAGS`], a certificate
    /// number missing or over 60 characters, dates that are not dates or end before they begin.
    pub fn check(&self) -> Problems {
        let mut p = Problems::new();
        if !FLAGS.contains(&self.flag.as_str()) {
            p.add("flag", Msg::t("err.choose_flag"));
        }
        if let Err(m) = check_text("certificate_no", &self.certificate_no, 1, 60) {
            p.add("certificate_no", m);
        }
        let from = date_into(&mut p, "valid_from", &self.valid_from);
        let to = date_into(&mut p, "valid_to", &self.valid_to);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                p.add("valid_to", Msg::t("err.date_order"));
            }
        }
        p
    }
}

/// The account an invited person makes: a name and a password typed twice.
#[derive(Debug, Clone)]
pub struct JoinInput<'a> {
    pub name: &'a str,
    pub password: &'a str,
    pub password2: &'a str,
}

impl JoinInput<'_> {
    pub fn check(&self) -> Problems {
        let mut p = Problems::new();
        if let Err(m) = check_text("name", self.name, 1, 50) {
            p.add("name", m);
        }
        if let Some(k) = crate::auth::password_problem(self.password, &[self.name]) {
            p.add("password", Msg::t(k));
        } else if self.password != self.password2 {
            p.add("password2", Msg::t("err.password_mismatch"));
        }
        p
    }
}

/// An officer's decision on an organization or a flag: `yes` is the word that approves
/// (`verify`, `confirm`), `reject` turns it down; any other word is no decision.
pub fn approves(decision: &str, yes: &str) -> Option<bool> {
    match decision {
        d if d == yes => Some(true),
        "reject" => Some(false),
        _ => None,
    }
}

/// The verification state an officer's queue shows: the one asked for, or those waiting.
pub fn queue_state(asked: &str) -> Verification {
    Verification::parse(asked).unwrap_or(Verification::Pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(flag: &str, no: &str, from: &str, to: &str) -> FlagInput {
        FlagInput::new(flag.into(), no, from, to)
    }

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|(f, _)| f.as_str()).collect()
    }

    #[test]
    fn a_flag_declared_in_full_passes() {
        assert!(flag("tech_sme", " QH-001 ", "2026-01-01", "2026-12-31")
            .check()
            .0
            .is_empty());
        assert_eq!(
            flag("sme", " QH-001 ", " 2026-01-01", "2027-01-01 ").certificate_no,
            "QH-001"
        );
    }

    #[test]
    fn each_wrong_field_is_named() {
        assert_eq!(fields(&flag("gold", "X", "2026-01-01", "2026-02-01").check()), ["flag"]);
        assert_eq!(
            fields(&flag("sme", "", "2026-01-01", "2026-02-01").check()),
            ["certificate_no"]
        );
        assert_eq!(
            fields(&flag("sme", &"9".repeat(61), "2026-01-01", "2026-02-01").check()),
            ["certificate_no"]
        );
        assert_eq!(
            fields(&flag("sme", "X", "2026-13-01", "").check()),
            ["valid_from", "valid_to"]
        );
        let p = flag("sme", "X", "2026-03-01", "2026-02-01").check();
        assert_eq!(p.0, vec![("valid_to".to_string(), Msg::t("err.date_order"))]);
    }

    #[test]
    fn an_invited_account_needs_a_name_and_the_same_good_password_twice() {
        let good = "Lan-zhou-2026-salt";
        let ok = JoinInput {
            name: "王敏",
            password: good,
            password2: good,
        };
        assert!(ok.check().0.is_empty());
        let long = "名".repeat(51);
        assert_eq!(
            fields(
                &JoinInput {
                    name: &long,
                    ..ok.clone()
                }
                .check()
            ),
            ["name"]
        );
        assert_eq!(fields(&JoinInput { name: "", ..ok.clone() }.check()), ["name"]);
        assert_eq!(
            fields(
                &JoinInput {
                    password: "short",
                    ..ok.clone()
                }
                .check()
            ),
            ["password"]
        );
        assert_eq!(
            fields(
                &JoinInput {
                    password2: "Lan-zhou-2026-sal",
                    ..ok
                }
                .check()
            ),
            ["password2"]
        );
    }

    #[test]
    fn decisions_and_queue_states() {
        assert_eq!(approves("verify", "verify"), Some(true));
        assert_eq!(approves("reject", "confirm"), Some(false));
        assert_eq!(approves("confirm", "verify"), None);
        assert_eq!(approves("", "verify"), None);
        assert_eq!(queue_state("verified"), Verification::Verified);
        assert_eq!(queue_state("unverified"), Verification::Unverified);
        assert_eq!(queue_state("nonsense"), Verification::Pending);
    }
}
