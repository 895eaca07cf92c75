//! The registry of destination plugins: what kinds of destination Ferry can send to.
//!
//! Microsoft Dynamics 365 / Dataverse is the only plugin today; the registry exists so the
//! picker, the store and the CLI never hard-code it and more can be added beside it.

use serde::Serialize;

/// A kind of destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Plugin {
    /// Stable id stored with each destination.
    pub id: &'static str,
    /// Name shown in the picker.
    pub name: &'static str,
    /// One line on what it does.
    pub description: &'static str,
    /// Extra words the picker's filter matches.
    pub keywords: &'static [&'static str],
    /// Web API versions a destination may pick, newest first.
    pub api_versions: &'static [&'static str],
    /// The version a new destination starts with.
    pub default_api_version: &'static str,
}

/// Id of the Microsoft Dynamics plugin.
pub const DYNAMICS: &str = "microsoft-dynamics";

const PLUGINS: &[Plugin] = &[Plugin {
    id: DYNAMICS,
    name: "Microsoft Dynamics 365",
    description: "Dataverse tables through the Dynamics 365 Web API (contacts, accounts, \
                  marketing lists, campaigns and more).",
    keywords: &[
        "dataverse",
        "crm",
        "d365",
        "power platform",
        "microsoft dynamics",
    ],
    api_versions: &["9.2", "9.1", "9.0", "8.2"],
    default_api_version: "9.2",
}];

/// Every plugin, in picker order.
pub fn all() -> &'static [Plugin] {
    PLUGINS
}

/// The plugin with this id.
pub fn get(id: &str) -> Option<&'static Plugin> {
    PLUGINS.iter().find(|p| p.id == id)
}

/// Plugins whose name, id or keywords contain `filter` (case-insensitive); all when blank.
pub fn filter(filter: &str) -> Vec<&'static Plugin> {
    let f = filter.trim().to_lowercase();
    PLUGINS
        .iter()
        .filter(|p| {
            f.is_empty()
                || p.name.to_lowercase().contains(&f)
                || p.id.contains(&f)
                || p.keywords.iter().any(|k| k.contains(&f))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_micro_finds_microsoft_dynamics() {
        let hits = filter("micro");
        assert_eq!(hits.len(), 1, "one plugin matches 'micro'");
        assert_eq!(hits[0].id, DYNAMICS, "and it is Microsoft Dynamics");
        assert_eq!(filter("MICRO").len(), 1, "the filter ignores case");
        assert_eq!(filter("dataverse")[0].id, DYNAMICS, "keywords match too");
        assert!(
            filter("salesforce").is_empty(),
            "no match gives an empty list"
        );
        assert_eq!(
            filter("").len(),
            all().len(),
            "blank filter lists everything"
        );
    }

    #[test]
    fn every_plugin_defaults_to_a_version_it_offers_and_lists_versions_newest_first() {
        for p in all() {
            assert!(
                p.api_versions.contains(&p.default_api_version),
                "{}: a new destination starts on a version the picker offers",
                p.id
            );
            let parsed: Vec<(u32, u32)> = p
                .api_versions
                .iter()
                .map(|v| {
                    let (major, minor) = v.split_once('.').expect("versions are major.minor");
                    (major.parse().unwrap(), minor.parse().unwrap())
                })
                .collect();
            assert!(
                parsed.windows(2).all(|w| w[0] > w[1]),
                "{}: versions are listed newest first, without repeats: {:?}",
                p.id,
                p.api_versions
            );
            assert_eq!(
                get(p.id),
                Some(p),
                "{}: a stored plugin id finds its plugin again",
                p.id
            );
        }
    }
}
