//! First guesses for a mapping: which table column each source column most likely fills, by
//! name. The person confirms or changes every guess in the mapping editor; a guess is never
//! sent unseen.
//!
//! Names are compared folded (lower case, letters and digits only), so `first_name`,
//! `First Name` and `FirstName` are one name. A source column matches, in order: a column's
//! logical name, its display name, then a short list of names customer data commonly uses for
//! the standard contact and account columns. Each table column is suggested once, to the first
//! source column that claims it, and only columns a create or an update may set are offered.

use crate::dataverse::metadata::ColumnInfo;
use serde::Serialize;

/// Why a column was suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Reason {
    /// The source column has the table column's logical name.
    LogicalName,
    /// The source column has the table column's display name.
    DisplayName,
    /// A name customer data often uses for that column (`email` for `emailaddress1`).
    CommonName,
}

/// One guess: the source column, the table column, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Suggestion {
    pub source: String,
    pub column: String,
    pub reason: Reason,
}

/// Names customer data uses for standard Dataverse columns, folded, by logical name.
const COMMON: &[(&str, &[&str])] = &[
    (
        "emailaddress1",
        &["email", "emailaddress", "mail", "email1"],
    ),
    ("emailaddress2", &["email2", "secondaryemail"]),
    ("firstname", &["givenname", "forename", "first"]),
    ("lastname", &["surname", "familyname", "last"]),
    ("middlename", &["middle"]),
    ("fullname", &["name", "customername"]),
    (
        "telephone1",
        &["phone", "telephone", "phonenumber", "tel", "businessphone"],
    ),
    (
        "mobilephone",
        &["mobile", "cell", "cellphone", "mobilenumber"],
    ),
    ("birthdate", &["dateofbirth", "dob", "birthday"]),
    (
        "address1_line1",
        &["street", "address", "addressline1", "street1"],
    ),
    ("address1_line2", &["addressline2", "street2"]),
    ("address1_city", &["city", "town"]),
    (
        "address1_postalcode",
        &["postcode", "postalcode", "zip", "zipcode"],
    ),
    (
        "address1_stateorprovince",
        &["state", "province", "region", "county"],
    ),
    ("address1_country", &["country"]),
    ("jobtitle", &["title", "position"]),
    ("gendercode", &["gender", "sex"]),
    ("donotemail", &["optoutemail", "noemail"]),
    ("accountnumber", &["accountno", "customernumber"]),
    ("websiteurl", &["website", "url", "web"]),
];

/// `first_name` → `firstname`.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One suggestion per source column that matches a settable table column, in source order.
pub fn suggest(sources: &[String], columns: &[ColumnInfo]) -> Vec<Suggestion> {
    let settable: Vec<&ColumnInfo> = columns
        .iter()
        .filter(|c| c.valid_for_create || c.valid_for_update)
        .collect();
    let mut taken: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for source in sources {
        let f = fold(source);
        if f.is_empty() {
            continue;
        }
        let free = |c: &&&ColumnInfo| !taken.contains(&c.logical_name.as_str());
        let found = settable
            .iter()
            .filter(free)
            .find(|c| fold(&c.logical_name) == f)
            .map(|c| (c, Reason::LogicalName))
            .or_else(|| {
                settable
                    .iter()
                    .filter(free)
                    .find(|c| fold(&c.display_name) == f)
                    .map(|c| (c, Reason::DisplayName))
            })
            .or_else(|| {
                COMMON
                    .iter()
                    .filter(|(_, names)| names.contains(&f.as_str()))
                    .find_map(|(logical, _)| {
                        settable
                            .iter()
                            .filter(free)
                            .find(|c| c.logical_name == *logical)
                    })
                    .map(|c| (c, Reason::CommonName))
            });
        if let Some((c, reason)) = found {
            taken.push(&c.logical_name);
            out.push(Suggestion {
                source: source.clone(),
                column: c.logical_name.clone(),
                reason,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(logical: &str, display: &str) -> ColumnInfo {
        ColumnInfo {
            logical_name: logical.into(),
            display_name: display.into(),
            type_name: "String".into(),
            max_length: Some(100),
            required_level: "None".into(),
            valid_for_create: true,
            valid_for_update: true,
            options: Vec::new(),
            date_behavior: None,
            targets: Vec::new(),
        }
    }

    fn contact() -> Vec<ColumnInfo> {
        let mut cols = vec![
            col("firstname", "First Name"),
            col("lastname", "Last Name"),
            col("emailaddress1", "Email"),
            col("emailaddress2", "Email Address 2"),
            col("telephone1", "Business Phone"),
            col("address1_city", "Address 1: City"),
            col("birthdate", "Birthday"),
            col("new_loyaltytier", "Loyalty Tier"),
        ];
        let mut read_only = col("fullname", "Full Name");
        read_only.valid_for_create = false;
        read_only.valid_for_update = false;
        cols.push(read_only);
        cols
    }

    fn pairs(sources: &[&str]) -> Vec<(String, String, Reason)> {
        let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        suggest(&sources, &contact())
            .into_iter()
            .map(|s| (s.source, s.column, s.reason))
            .collect()
    }

    #[test]
    fn source_names_find_columns_by_logical_display_and_common_names() {
        let got = pairs(&[
            "first_name",
            "Last Name",
            "email",
            "phone",
            "city",
            "loyalty_tier",
        ]);
        let want = [
            ("first_name", "firstname", Reason::LogicalName),
            ("Last Name", "lastname", Reason::LogicalName),
            ("email", "emailaddress1", Reason::DisplayName),
            ("phone", "telephone1", Reason::CommonName),
            ("city", "address1_city", Reason::CommonName),
            ("loyalty_tier", "new_loyaltytier", Reason::DisplayName),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(s, c, r)| (s.to_string(), c.to_string(), *r))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn each_column_is_suggested_once_and_only_if_it_can_be_set() {
        let got = pairs(&["email", "e-mail", "name", "customer_id"]);
        assert_eq!(
            got.len(),
            1,
            "one email column; fullname cannot be set: {got:?}"
        );
        assert_eq!(got[0].1, "emailaddress1");
        let got = pairs(&["date_of_birth", "DOB"]);
        assert_eq!(
            got.len(),
            1,
            "the second claim finds the column taken: {got:?}"
        );
        assert_eq!(
            got[0],
            (
                "date_of_birth".into(),
                "birthdate".into(),
                Reason::CommonName
            )
        );
    }

    #[test]
    fn folding_ignores_case_spaces_and_punctuation() {
        assert_eq!(fold("First_Name"), "firstname");
        assert_eq!(fold("Address 1: City"), "address1city");
        assert_eq!(fold("Prénom"), "prénom", "letters beyond ASCII stay");
    }
}
