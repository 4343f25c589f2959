//! Amazon Resource Names, as every document writes them:
//! `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.

/// An ARN's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arn<'s> {
    pub service: &'s str,
    pub region: &'s str,
    pub account: &'s str,
    /// `TYPE/NAME…` or `TYPE:NAME`.
    pub resource: &'s str,
}

impl<'s> Arn<'s> {
    /// The parts of `s`, if it is an ARN.
    pub(crate) fn parse(s: &'s str) -> Option<Arn<'s>> {
        let mut it = s.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        let _partition = it.next()?;
        Some(Arn {
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        })
    }

    /// The last segment of its resource (`snapshot/snap-1` → `snap-1`).
    pub(crate) fn resource_id(&self) -> &'s str {
        self.resource.rsplit('/').next().unwrap_or(self.resource)
    }
}

/// The organization an AWS Organizations ARN names, and its organizational
/// unit if it names one: `…:organization/o-a` → (`o-a`, none),
/// `…:ou/o-a/ou-b-c` → (`o-a`, `ou-b-c`).
pub(crate) fn organization(s: &str) -> Option<(&str, Option<&str>)> {
    let mut parts = s.rsplit('/');
    match (parts.next()?, parts.next()) {
        (ou, Some(org)) if ou.starts_with("ou-") && org.starts_with("o-") => Some((org, Some(ou))),
        (org, _) if org.starts_with("o-") => Some((org, None)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_parts_and_an_organizations_ids() {
        let a =
            Arn::parse("arn:aws:imagebuilder:us-east-1:111122223333:component/x/1.0.0").unwrap();
        assert_eq!(
            (a.service, a.region, a.account),
            ("imagebuilder", "us-east-1", "111122223333")
        );
        assert_eq!(
            (a.resource, a.resource_id()),
            ("component/x/1.0.0", "1.0.0")
        );
        assert_eq!(Arn::parse("alias/x"), None);
        let org = "arn:aws:organizations::999988887777:organization/o-a1b2c3d4e5";
        assert_eq!(organization(org), Some(("o-a1b2c3d4e5", None)));
        let ou = "arn:aws:organizations::999988887777:ou/o-a1b2c3d4e5/ou-ab12-11111111";
        assert_eq!(
            organization(ou),
            Some(("o-a1b2c3d4e5", Some("ou-ab12-11111111")))
        );
        assert_eq!(organization("arn:aws:iam::1:role/x"), None);
    }
}
