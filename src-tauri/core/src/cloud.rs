//! Which Microsoft cloud a Dynamics URL belongs to, and so where its sign-in happens.
//!
//! The organisation's host decides the Entra ID authority: commercial and US GCC sign in at
//! the public authority, GCC High and DoD at the US Government one, China at its own. A
//! loopback URL is the local sandbox, which serves its own token endpoint. Sources for the
//! host table: `dataverse-web-api.md` §1.6–1.7 (Microsoft's sovereign-cloud and datacenter
//! region pages). The region list is informative only: any `crmN` is accepted.

use serde::Serialize;

/// A Microsoft cloud (or the local sandbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Cloud {
    Commercial,
    UsGcc,
    UsGccHigh,
    UsDod,
    China,
    LocalSandbox,
}

impl Cloud {
    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            Cloud::Commercial => "Microsoft commercial cloud",
            Cloud::UsGcc => "US Government Community Cloud (GCC)",
            Cloud::UsGccHigh => "US Government Community Cloud High (GCC High)",
            Cloud::UsDod => "US Department of Defense (DoD)",
            Cloud::China => "Microsoft cloud in China (operated by 21Vianet)",
            Cloud::LocalSandbox => "Local sandbox on this computer",
        }
    }

    /// The Entra ID authority host for clouds that sign in at Microsoft. The sandbox has
    /// none: it signs in against the Dynamics URL's own host.
    pub fn authority_host(self) -> Option<&'static str> {
        match self {
            Cloud::Commercial | Cloud::UsGcc => Some("login.microsoftonline.com"),
            Cloud::UsGccHigh | Cloud::UsDod => Some("login.microsoftonline.us"),
            // NOTE: Microsoft's current Entra page names login.partner.microsoftonline.cn;
            // older connector docs name login.chinacloudapi.cn. We follow the current page.
            Cloud::China => Some("login.partner.microsoftonline.cn"),
            Cloud::LocalSandbox => None,
        }
    }

    /// Stable id used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Commercial => "commercial",
            Cloud::UsGcc => "us_gcc",
            Cloud::UsGccHigh => "us_gcc_high",
            Cloud::UsDod => "us_dod",
            Cloud::China => "china",
            Cloud::LocalSandbox => "local_sandbox",
        }
    }

    /// Inverse of [`Cloud::as_str`].
    pub fn parse(s: &str) -> Option<Cloud> {
        [
            Cloud::Commercial,
            Cloud::UsGcc,
            Cloud::UsGccHigh,
            Cloud::UsDod,
            Cloud::China,
            Cloud::LocalSandbox,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// What a recognised host tells us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HostInfo {
    pub cloud: Cloud,
    /// Data-centre region, where the host names one (e.g. "Europe" for `crm4`).
    pub region: Option<String>,
}

fn region_name(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "crm" => "North America",
        "crm2" => "South America",
        "crm3" => "Canada",
        "crm4" => "Europe, Middle East and Africa",
        "crm5" => "Asia Pacific",
        "crm6" => "Oceania",
        "crm7" => "Japan",
        "crm8" => "India",
        "crm9" => "North America 2 (GCC)",
        "crm11" => "United Kingdom",
        "crm12" => "France",
        "crm14" => "South Africa",
        "crm15" => "United Arab Emirates",
        "crm16" => "Germany",
        "crm17" => "Switzerland",
        "crm19" => "Norway",
        "crm21" => "Korea",
        _ => return None,
    })
}

fn is_crm_suffix(label: &str) -> bool {
    label == "crm"
        || label.strip_prefix("crm").is_some_and(|n| {
            !n.is_empty()
                && n.len() <= 3
                && n.bytes().all(|b| b.is_ascii_digit())
                && !n.starts_with('0')
        })
}

/// True for hosts that only this computer can reach.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|rest| {
            let parts: Vec<_> = rest.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok())
        })
}

/// Recognises a lower-cased host. `None` means it is not a Dynamics 365 organisation host.
///
/// An organisation host has at least one label before the cloud's domain (the organisation,
/// optionally followed by `api`), e.g. `contoso.crm4.dynamics.com` or
/// `contoso.api.crm.dynamics.com`.
pub fn recognise(host: &str) -> Option<HostInfo> {
    if is_loopback(host) {
        return Some(HostInfo {
            cloud: Cloud::LocalSandbox,
            region: None,
        });
    }
    let labels: Vec<&str> = host.split('.').collect();
    let org_labels = |suffix_len: usize| labels.len() > suffix_len;
    let ends = |suffix: &[&str]| labels.ends_with(suffix) && org_labels(suffix.len());

    if ends(&["crm", "microsoftdynamics", "us"]) {
        return Some(HostInfo {
            cloud: Cloud::UsGccHigh,
            region: None,
        });
    }
    if ends(&["crm", "appsplatform", "us"]) {
        return Some(HostInfo {
            cloud: Cloud::UsDod,
            region: None,
        });
    }
    if ends(&["crm", "dynamics", "cn"]) {
        return Some(HostInfo {
            cloud: Cloud::China,
            region: None,
        });
    }
    if labels.len() >= 4 && labels.ends_with(&["dynamics", "com"]) {
        let suffix = labels[labels.len() - 3];
        if is_crm_suffix(suffix) {
            let cloud = if suffix == "crm9" {
                Cloud::UsGcc
            } else {
                Cloud::Commercial
            };
            let region = region_name(suffix)
                .map(str::to_string)
                .or_else(|| Some(format!("region {suffix}")));
            return Some(HostInfo { cloud, region });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud_of(host: &str) -> Option<Cloud> {
        recognise(host).map(|h| h.cloud)
    }

    #[test]
    fn commercial_regions_and_gcc_are_told_apart() {
        assert_eq!(
            cloud_of("contoso.crm.dynamics.com"),
            Some(Cloud::Commercial),
            "NAM"
        );
        assert_eq!(
            cloud_of("contoso.crm4.dynamics.com"),
            Some(Cloud::Commercial),
            "EMEA"
        );
        assert_eq!(
            cloud_of("contoso.api.crm4.dynamics.com"),
            Some(Cloud::Commercial),
            "api host"
        );
        assert_eq!(
            cloud_of("contoso.crm9.dynamics.com"),
            Some(Cloud::UsGcc),
            "crm9 is GCC"
        );
        assert_eq!(
            recognise("x.crm4.dynamics.com").unwrap().region.as_deref(),
            Some("Europe, Middle East and Africa"),
            "known regions are named"
        );
        assert_eq!(
            recognise("x.crm33.dynamics.com").unwrap().region.as_deref(),
            Some("region crm33"),
            "unknown crmN is still commercial, named by its suffix"
        );
    }

    #[test]
    fn sovereign_clouds_pick_their_authority() {
        let gcch = cloud_of("org.crm.microsoftdynamics.us").unwrap();
        assert_eq!(gcch, Cloud::UsGccHigh, "microsoftdynamics.us is GCC High");
        assert_eq!(
            gcch.authority_host(),
            Some("login.microsoftonline.us"),
            "US Gov sign-in"
        );
        let dod = cloud_of("org.crm.appsplatform.us").unwrap();
        assert_eq!(dod, Cloud::UsDod, "appsplatform.us is DoD");
        assert_eq!(
            dod.authority_host(),
            Some("login.microsoftonline.us"),
            "US Gov sign-in"
        );
        let cn = cloud_of("org.crm.dynamics.cn").unwrap();
        assert_eq!(cn, Cloud::China, "dynamics.cn is China");
        assert_eq!(
            Cloud::UsGcc.authority_host(),
            Some("login.microsoftonline.com"),
            "GCC signs in at the public authority"
        );
    }

    #[test]
    fn non_organisation_hosts_are_not_recognised() {
        for host in [
            "crm.dynamics.com",
            "dynamics.com",
            "contoso.dynamics.com",
            "contoso.crmx.dynamics.com",
            "contoso.crm04.dynamics.com",
            "contoso.crm.dynamics.com.evil.example",
            "contoso.sharepoint.com",
            "crm.microsoftdynamics.us",
        ] {
            assert_eq!(recognise(host), None, "{host} is not an organisation host");
        }
    }

    #[test]
    fn loopback_hosts_are_the_sandbox() {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"] {
            assert_eq!(
                cloud_of(host),
                Some(Cloud::LocalSandbox),
                "{host} is loopback"
            );
        }
        assert!(
            !is_loopback("127.0.0.1.example.com"),
            "a name that starts with 127. is not"
        );
        assert!(!is_loopback("10.0.0.1"), "private ranges are not loopback");
    }

    #[test]
    fn cloud_ids_round_trip() {
        for c in [Cloud::Commercial, Cloud::UsDod, Cloud::LocalSandbox] {
            assert_eq!(Cloud::parse(c.as_str()), Some(c), "{c:?} round trips");
        }
    }
}
