//! The accounts' rules, pure: who signs up as what, and the checks of the sign-up and password
//! forms. Each check returns the problems field by field; the page translates them.

use serde::Deserialize;

use crate::auth::{self, Role};
use crate::credit_code;
use crate::forms::text_into;
use crate::i18n::{Msg, Problems};
use crate::regions;
use crate::vocabulary::OrgKind;

/// The role of an organization's users.
pub fn role_for_kind(kind: OrgKind) -> Role {
    match kind {
        OrgKind::Enterprise => Role::Enterprise,
        OrgKind::University | OrgKind::ResearchInstitute => Role::Institution,
        OrgKind::Government => Role::Officer,
        OrgKind::TransferPlatform | OrgKind::TransferInstitution | OrgKind::Broker | OrgKind::ContractServicePoint => {
            Role::Broker
        }
    }
}

/// A broker certificate number: 6 to 40 letters, digits or dashes.
pub fn certificate_ok(s: &str) -> bool {
    let n = s.chars().count();
    (6..=40).contains(&n) && s.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
}

/// An e-mail address, normalized.
fn email(p: &mut Problems, field: &str, value: &str) -> String {
    if value.trim().is_empty() {
        p.add(field, Msg::t("err.required"));
        return String::new();
    }
    auth::normalize_email(value).unwrap_or_else(|| {
        p.add(field, Msg::tf("err.email_invalid", [value.trim()]));
        String::new()
    })
}

/// The password rules; `about` holds what an attacker could know of the user (e-mail address,
/// name, organization), which a password must not lean on.
pub fn check_passwords(p: &mut Problems, password: &str, password2: &str, about: &[&str]) {
    if let Some(key) = auth::password_problem(password, about) {
        p.add("password", Msg::t(key));
    } else if password != password2 {
        p.add("password2", Msg::t("err.password_mismatch"));
    }
}

/// A region typed as a GB/T 2260 code, its code.
fn region(p: &mut Problems, value: &str) -> String {
    match regions::validate(value.trim()) {
        Ok(r) => r.code.to_string(),
        Err(e) => {
            p.add(
                "region_code",
                Msg::Both {
                    zh: e.message_zh(),
                    en: e.to_string(),
                },
            );
            String::new()
        }
    }
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct OrgSignupForm {
    pub kind: String,
    pub org_name: String,
    pub credit_code: String,
    pub region_code: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub password2: String,
}

/// An organization's sign-up, checked: what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    pub kind: OrgKind,
    pub org_name: String,
    pub credit_code: String,
    pub region: String,
    pub name: String,
    pub email: String,
}

impl OrgSignupForm {
    /// The organization and its first user, or what is wrong field by field.
    pub fn check(&self) -> Result<NewOrg, Problems> {
        let mut p = Problems::new();
        let kind = OrgKind::parse(&self.kind).filter(|k| OrgKind::SELF_SIGNUP.contains(k));
        if kind.is_none() {
            p.add("kind", Msg::t("err.choose_kind"));
        }
        text_into(&mut p, "org_name", self.org_name.trim(), 1, 100);
        let code = credit_code::validate(&self.credit_code)
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|e| {
                let (zh, en) = (e.message_zh(), e.message_en());
                p.add("credit_code", Msg::Both { zh, en });
                String::new()
            });
        let region = region(&mut p, &self.region_code);
        text_into(&mut p, "name", self.name.trim(), 1, 50);
        let email = email(&mut p, "email", &self.email);
        check_passwords(
            &mut p,
            &self.password,
            &self.password2,
            &[&self.email, &self.name, &self.org_name],
        );
        let Some(kind) = kind.filter(|_| p.0.is_empty()) else {
            return Err(p);
        };
        Ok(NewOrg {
            kind,
            org_name: self.org_name.trim().to_string(),
            credit_code: code,
            region,
            name: self.name.trim().to_string(),
            email,
        })
    }
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct BrokerSignupForm {
    pub name: String,
    pub certificate: String,
    pub region_code: String,
    pub email: String,
    pub password: String,
    pub password2: String,
}

/// An individual broker's sign-up, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBroker {
    pub name: String,
    pub certificate: String,
    pub region: String,
    pub email: String,
}

impl BrokerSignupForm {
    /// The broker, or what is wrong field by field.
    pub fn check(&self) -> Result<NewBroker, Problems> {
        let mut p = Problems::new();
        text_into(&mut p, "name", self.name.trim(), 1, 50);
        let certificate = self.certificate.trim().to_ascii_uppercase();
        if certificate.is_empty() {
            p.add("certificate", Msg::t("err.required"));
        } else if !certificate_ok(&certificate) {
            p.add(
                "certificate",
                Msg::tf("err.certificate_invalid", [self.certificate.trim()]),
            );
        }
        let region = region(&mut p, &self.region_code);
        let email = email(&mut p, "email", &self.email);
        check_passwords(&mut p, &self.password, &self.password2, &[&self.email, &self.name]);
        if !p.0.is_empty() {
            return Err(p);
        }
        Ok(NewBroker {
            name: self.name.trim().to_string(),
            certificate,
            region,
            email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "Lan-zhou-2026-salt";

    fn org() -> OrgSignupForm {
        OrgSignupForm {
            kind: "enterprise".into(),
            org_name: " 西宁示例科技有限公司 ".into(),
            credit_code: format!(
                "91630100MA7XQ1234{}",
                credit_code::check_char("91630100MA7XQ1234").unwrap()
            ),
            region_code: "630100".into(),
            name: "王敏".into(),
            email: " Wang@Example.COM ".into(),
            password: GOOD.into(),
            password2: GOOD.into(),
        }
    }

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|(f, _)| f.as_str()).collect()
    }

    #[test]
    fn roles_follow_the_kind() {
        assert_eq!(role_for_kind(OrgKind::Enterprise), Role::Enterprise);
        assert_eq!(role_for_kind(OrgKind::ResearchInstitute), Role::Institution);
        assert_eq!(role_for_kind(OrgKind::Government), Role::Officer);
        assert_eq!(role_for_kind(OrgKind::TransferPlatform), Role::Broker);
        assert_eq!(role_for_kind(OrgKind::TransferInstitution), Role::Broker);
    }

    #[test]
    fn broker_certificates() {
        assert!(certificate_ok("QH-2026-001"));
        assert!(!certificate_ok("QH-01"));
        assert!(!certificate_ok("QH 2026 001"));
        assert!(!certificate_ok(&"A".repeat(41)));
    }

    #[test]
    fn an_organization_signs_up_or_learns_each_wrong_field() {
        let f = org();
        let n = f.check().expect("a complete sign-up");
        assert_eq!(n.org_name, "西宁示例科技有限公司");
        assert_eq!(n.email, "wang@example.com");
        assert_eq!(n.region, "630100");
        let p = OrgSignupForm {
            credit_code: "91630100MA7XQ12340".into(),
            ..org()
        }
        .check()
        .unwrap_err();
        assert_eq!(fields(&p), ["credit_code"]);
        let bad = OrgSignupForm {
            kind: "government".into(),
            org_name: "".into(),
            region_code: "西宁".into(),
            email: "not-an-address".into(),
            password2: "other".into(),
            ..org()
        };
        let p = bad.check().unwrap_err();
        for f in ["kind", "org_name", "region_code", "email", "password2"] {
            assert!(p.has(f), "{f} not named: {p:?}");
        }
    }

    #[test]
    fn a_broker_signs_up_with_a_certificate() {
        let f = BrokerSignupForm {
            name: "李娜".into(),
            certificate: " qh-jjr-0001 ".into(),
            region_code: "630100".into(),
            email: "li@example.com".into(),
            password: GOOD.into(),
            password2: GOOD.into(),
        };
        assert_eq!(f.check().unwrap().certificate, "QH-JJR-0001");
        let p = BrokerSignupForm {
            certificate: "x y".into(),
            ..f.clone()
        }
        .check()
        .unwrap_err();
        assert_eq!(fields(&p), ["certificate"]);
        let p = BrokerSignupForm {
            certificate: "".into(),
            email: "".into(),
            ..f
        }
        .check()
        .unwrap_err();
        assert_eq!(fields(&p), ["certificate", "email"]);
    }
}
