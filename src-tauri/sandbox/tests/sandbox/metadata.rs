//! EntityDefinitions: tables, attributes with casts and option sets, keys and relationships.

use crate::common::Env;

#[tokio::test]
async fn entity_definitions_filter_by_logical_name_with_select() {
    let env = Env::fast().await;
    let r = env.send("GET", "EntityDefinitions?$filter=LogicalName%20eq%20'account'&$select=EntitySetName,PrimaryIdAttribute", None, &[]).await;
    assert_eq!(r.status, 200, "the filter works: {}", r.text);
    let v = r.json()["value"].clone();
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(1),
        "one table matches: {v}"
    );
    assert_eq!(v[0]["EntitySetName"], "accounts", "entity set name");
    assert!(
        v[0]["MetadataId"].is_string(),
        "MetadataId is always returned"
    );
    assert!(
        v[0].get("SchemaName").is_none(),
        "unselected properties are left out"
    );
}

#[tokio::test]
async fn picklist_attributes_cast_and_expand_their_options() {
    let env = Env::fast().await;
    let path = "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='accountcategorycode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)";
    let r = env.send("GET", path, None, &[]).await;
    assert_eq!(r.status, 200, "the cast works: {}", r.text);
    let opts = r.json()["OptionSet"]["Options"].clone();
    assert_eq!(opts[0]["Value"], 1, "first option value: {opts}");
    assert_eq!(
        opts[0]["Label"]["UserLocalizedLabel"]["Label"], "Preferred Customer",
        "CDM label"
    );
    let strings = env.send("GET", "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength", None, &[]).await.json();
    let email = strings["value"].as_array().and_then(|a| {
        a.iter()
            .find(|x| x["LogicalName"] == "emailaddress1")
            .cloned()
    });
    assert_eq!(
        email.map(|e| e["MaxLength"].clone()),
        Some(serde_json::json!(100)),
        "MaxLength via the string cast"
    );
}

#[tokio::test]
async fn keys_and_many_to_one_relationships_name_what_clients_bind() {
    let env = Env::fast().await;
    let keys = env.send("GET", "EntityDefinitions(LogicalName='contact')/Keys?$select=KeyAttributes,EntityKeyIndexStatus", None, &[]).await.json();
    assert_eq!(
        keys["value"][0]["KeyAttributes"],
        serde_json::json!(["emailaddress1"]),
        "the default contact key: {keys}"
    );
    let rels = env.send("GET", "EntityDefinitions(LogicalName='contact')/ManyToOneRelationships?$select=ReferencedEntity,ReferencingEntityNavigationPropertyName", None, &[]).await.json();
    let navs: Vec<&str> = rels["value"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["ReferencingEntityNavigationPropertyName"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        navs.contains(&"parentcustomerid_account"),
        "the customer lookup's account nav: {navs:?}"
    );
    let bad = env
        .send("GET", "EntityDefinitions?$select=Nope", None, &[])
        .await;
    assert_eq!(
        bad.status, 400,
        "an unknown property in $select is refused: {}",
        bad.text
    );
}

#[tokio::test]
async fn date_columns_carry_their_behaviour_and_lookups_their_targets() {
    let env = Env::fast().await;
    let dates = env.send("GET", "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName,DateTimeBehavior,Format", None, &[]).await;
    assert_eq!(dates.status, 200, "the date cast works: {}", dates.text);
    let dates = dates.json();
    let of = |name: &str| {
        dates["value"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["LogicalName"] == name).cloned())
            .unwrap_or_else(|| panic!("{name} is a date column: {dates}"))
    };
    assert_eq!(
        of("birthdate")["DateTimeBehavior"]["Value"],
        "DateOnly",
        "a birthday is a date only"
    );
    assert_eq!(of("birthdate")["Format"], "DateOnly", "and shown as one");
    assert_eq!(
        (
            &of("lastusedincampaign")["DateTimeBehavior"]["Value"],
            &of("lastusedincampaign")["Format"]
        ),
        (
            &serde_json::json!("UserLocal"),
            &serde_json::json!("DateOnly")
        ),
        "user-local, shown as a date, as the contact reference gives it"
    );
    assert_eq!(
        of("createdon")["DateTimeBehavior"]["Value"],
        "UserLocal",
        "Dataverse's default behaviour"
    );
    let lookups = env.send("GET", "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets", None, &[]).await.json();
    let customer = lookups["value"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["LogicalName"] == "parentcustomerid"))
        .cloned()
        .unwrap_or_else(|| panic!("the customer lookup is a lookup attribute: {lookups}"));
    assert_eq!(
        customer["Targets"],
        serde_json::json!(["account", "contact"]),
        "both related tables"
    );
}
