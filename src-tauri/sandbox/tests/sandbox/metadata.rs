//! EntityDefinitions: tables, attributes with casts and option sets, keys and relationships.

use crate::common::Env;
use serde_json::json;

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

/// The `value` items' `prop` strings.
fn names(v: &serde_json::Value, prop: &str) -> Vec<String> {
    v["value"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x[prop].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn relationship_definitions_by_schema_name_metadata_id_and_cast() {
    let env = Env::fast().await;
    let r = env
        .send(
            "GET",
            "RelationshipDefinitions(SchemaName='campaignlist_association')",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "by schema name: {}", r.text);
    let n2n = r.json();
    assert_eq!(
        n2n["@odata.type"], "#Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata",
        "the derived type is named: {n2n}"
    );
    assert_eq!(
        (
            &n2n["IntersectEntityName"],
            &n2n["Entity1LogicalName"],
            &n2n["Entity2IntersectAttribute"],
            &n2n["Entity2NavigationPropertyName"]
        ),
        (
            &json!("campaignitem"),
            &json!("campaign"),
            &json!("entityid"),
            &json!("campaignlist_association")
        ),
        "Dataverse's names for the campaign-list relationship"
    );
    let id = n2n["MetadataId"]
        .as_str()
        .expect("a MetadataId")
        .to_string();
    let by_id = env
        .send(
            "GET",
            &format!("RelationshipDefinitions({id})?$select=SchemaName"),
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(
        by_id["SchemaName"], "campaignlist_association",
        "by MetadataId: {by_id}"
    );
    let one_to_many = env.send("GET", "RelationshipDefinitions/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata?$select=SchemaName,ReferencingEntity&$filter=ReferencedEntity eq 'account'", None, &[]).await;
    assert_eq!(
        one_to_many.status, 200,
        "the cast works: {}",
        one_to_many.text
    );
    let found = names(&one_to_many.json(), "SchemaName");
    assert!(
        found.contains(&"contact_customer_accounts".to_string())
            && found.iter().all(|n| !n.ends_with("_association")),
        "the account's 1:N relationships only: {found:?}"
    );
    let n2n_all = env
        .send(
            "GET",
            "RelationshipDefinitions/Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata?$select=SchemaName,IntersectEntityName",
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(
        names(&n2n_all, "SchemaName"),
        vec![
            "campaignlist_association",
            "campaignactivitylist_association"
        ],
        "every N:N relationship: {n2n_all}"
    );
    let all = env
        .send(
            "GET",
            "RelationshipDefinitions?$select=SchemaName,RelationshipType",
            None,
            &[],
        )
        .await
        .json();
    let kinds = names(&all, "RelationshipType");
    assert!(
        kinds.contains(&"OneToManyRelationship".to_string())
            && kinds.contains(&"ManyToManyRelationship".to_string()),
        "the uncast collection holds both kinds: {kinds:?}"
    );
    let refused = [
        (
            "RelationshipDefinitions?$select=ReferencedEntity",
            400,
            "a derived property without a cast",
        ),
        (
            "RelationshipDefinitions(SchemaName='nope')",
            404,
            "a missing relationship",
        ),
        (
            "RelationshipDefinitions/Microsoft.Dynamics.CRM.Nope",
            404,
            "an unknown cast",
        ),
        (
            "RelationshipDefinitions?$orderby=SchemaName",
            400,
            "an option not emulated",
        ),
    ];
    for (path, status, what) in refused {
        let r = env.send("GET", path, None, &[]).await;
        assert_eq!(r.status, status, "{what}: {}", r.text);
    }
    let post = env
        .send("POST", "RelationshipDefinitions", Some(&json!({})), &[])
        .await;
    assert_eq!(post.status, 405, "metadata is read-only: {}", post.text);
}

#[tokio::test]
async fn entity_definitions_expand_and_navigate_all_relationship_kinds() {
    let env = Env::fast().await;
    let list = env.send("GET", "EntityDefinitions(LogicalName='list')?$select=LogicalName&$expand=ManyToManyRelationships($select=SchemaName,Entity1LogicalName)", None, &[]).await;
    assert_eq!(list.status, 200, "the expansion works: {}", list.text);
    let rels: Vec<String> = list.json()["ManyToManyRelationships"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["SchemaName"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        rels,
        vec![
            "campaignlist_association",
            "campaignactivitylist_association"
        ],
        "the list takes part in both"
    );
    let one_to_many = env
        .send(
            "GET",
            "EntityDefinitions(LogicalName='account')/OneToManyRelationships?$select=SchemaName,ReferencingEntity",
            None,
            &[],
        )
        .await
        .json();
    let found = names(&one_to_many, "SchemaName");
    assert!(
        found.contains(&"contact_customer_accounts".to_string())
            && found.contains(&"Account_Tasks".to_string())
            && !found.contains(&"contact_customer_contacts".to_string()),
        "the relationships whose parent is account: {found:?}"
    );
    let campaign = env
        .send(
            "GET",
            "EntityDefinitions(LogicalName='campaign')/ManyToManyRelationships?$select=SchemaName",
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(
        names(&campaign, "SchemaName"),
        vec!["campaignlist_association"],
        "the campaign's N:N: {campaign}"
    );
}

#[tokio::test]
async fn global_option_set_definitions_list_the_global_choices_by_name_and_id() {
    let env = Env::fast().await;
    let all = env
        .send(
            "GET",
            "GlobalOptionSetDefinitions?$select=Name,IsGlobal",
            None,
            &[],
        )
        .await;
    assert_eq!(all.status, 200, "the collection reads: {}", all.text);
    let found = names(&all.json(), "Name");
    for name in [
        "budgetstatus",
        "need",
        "purchaseprocess",
        "purchasetimeframe",
    ] {
        assert!(
            found.contains(&name.to_string()),
            "{name} is global: {found:?}"
        );
    }
    assert!(
        !found.contains(&"account_accountcategorycode".to_string()),
        "local choices stay on their column: {found:?}"
    );
    let one = env
        .send(
            "GET",
            "GlobalOptionSetDefinitions(Name='budgetstatus')",
            None,
            &[],
        )
        .await;
    assert_eq!(one.status, 200, "by name: {}", one.text);
    let set = one.json();
    assert_eq!(
        set["@odata.type"], "#Microsoft.Dynamics.CRM.OptionSetMetadata",
        "an option set: {set}"
    );
    assert_eq!(set["IsGlobal"], true, "global");
    assert_eq!(
        (
            &set["Options"][0]["Value"],
            &set["Options"][0]["Label"]["UserLocalizedLabel"]["Label"]
        ),
        (&json!(0), &json!("No Committed Budget")),
        "the lead reference's first option"
    );
    let id = set["MetadataId"]
        .as_str()
        .expect("a MetadataId")
        .to_string();
    let by_id = env
        .send(
            "GET",
            &format!("GlobalOptionSetDefinitions({id})?$select=Name"),
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(by_id["Name"], "budgetstatus", "by MetadataId: {by_id}");
    let attr = env.send("GET", "EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='budgetstatus')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet,GlobalOptionSet", None, &[]).await.json();
    assert_eq!(
        (
            &attr["OptionSet"]["IsGlobal"],
            &attr["GlobalOptionSet"]["MetadataId"]
        ),
        (&json!(true), &json!(id)),
        "the column's choice is the global one: {attr}"
    );
    let local = env.send("GET", "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='accountcategorycode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet,GlobalOptionSet", None, &[]).await.json();
    assert_eq!(
        (&local["OptionSet"]["IsGlobal"], &local["GlobalOptionSet"]),
        (&json!(false), &serde_json::Value::Null),
        "a local choice has no global one: {local}"
    );
    let refused = [
        (
            "GlobalOptionSetDefinitions?$filter=Name eq 'need'",
            400,
            "Dataverse takes no $filter here",
        ),
        (
            "GlobalOptionSetDefinitions(Name='nope')",
            404,
            "a missing choice",
        ),
        (
            "GlobalOptionSetDefinitions?$select=Nope",
            400,
            "an unknown property",
        ),
    ];
    for (path, status, what) in refused {
        let r = env.send("GET", path, None, &[]).await;
        assert_eq!(r.status, status, "{what}: {}", r.text);
    }
    let bad_value = env
        .send(
            "POST",
            "leads",
            Some(&json!({"lastname": "L", "budgetstatus": 9})),
            &[],
        )
        .await;
    assert_eq!(
        bad_value.status, 400,
        "a global choice's values are checked on write: {}",
        bad_value.text
    );
}

#[tokio::test]
async fn the_csdl_declares_many_to_many_navigation_properties() {
    let env = Env::fast().await;
    let r = env.send("GET", "$metadata", None, &[]).await;
    assert_eq!(r.status, 200, "$metadata reads");
    assert!(
        r.text.contains(r#"<NavigationProperty Name="campaignactivitylist_association" Type="Collection(mscrm.list)" Partner="campaignactivitylist_association"/>"#),
        "the campaign activity's N:N navigation property is declared"
    );
}

#[tokio::test]
async fn entity_definitions_filter_with_the_record_grammar_and_refuse_unknown_properties() {
    let env = crate::common::Env::fast().await;
    let r = env
        .send(
            "GET",
            "EntityDefinitions?$select=LogicalName&$filter=IsPrivate%20eq%20false%20and%20(LogicalName%20eq%20'contact'%20or%20startswith(LogicalName,'acc'))",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut names: Vec<String> = r.json()["value"]
        .as_array()
        .expect("tables")
        .iter()
        .filter_map(|t| t["LogicalName"].as_str().map(str::to_string))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["account", "contact"],
        "or, parentheses and functions apply"
    );
    let r = env
        .send(
            "GET",
            "EntityDefinitions?$filter=IsPrivate%20eq%20false",
            None,
            &[],
        )
        .await;
    let all = r.json()["value"].as_array().map(Vec::len).unwrap_or(0);
    assert!(
        all >= 10,
        "no table is private, so every table is listed: {all}"
    );
    let r = env
        .send(
            "GET",
            "EntityDefinitions?$filter=NoSuchFlag%20eq%20false",
            None,
            &[],
        )
        .await;
    assert_eq!(
        r.status, 400,
        "an unknown property is an error, not an empty list: {}",
        r.text
    );
    assert!(r.text.contains("NoSuchFlag"), "{}", r.text);
}
