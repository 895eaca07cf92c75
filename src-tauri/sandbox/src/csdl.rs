//! `$metadata`: the CSDL (OData 4.0 XML) document, generated from the same schema that
//! validates records and answers `EntityDefinitions`.
//!
//! It declares each table's entity type (key, properties, single- and collection-valued
//! navigation properties, many-to-many ones included), the entity sets, `WhoAmI`, the bulk and list actions: what client
//! generators and metadata-driven clients read. It omits annotations and the thousands of
//! system types real Dataverse publishes.

use crate::http::ApiResponse;
use crate::schema::{Schema, Table};
use crate::service::Ctx;
use std::fmt::Write;

/// The CSDL document for this sandbox.
pub fn document(ctx: &Ctx) -> ApiResponse {
    ApiResponse::raw(200, "application/xml", render(&ctx.svc.schema))
        .with_header("OData-Version", "4.0")
}

/// Renders the schema as CSDL.
pub fn render(schema: &Schema) -> String {
    let mut x = String::from(concat!(
        r#"<?xml version="1.0" encoding="utf-8"?>"#,
        r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">"#,
        r#"<edmx:DataServices>"#,
        r#"<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">"#,
        r#"<EntityType Name="crmbaseentity" Abstract="true"/>"#,
    ));
    for t in &schema.tables {
        entity_type(&mut x, schema, t);
    }
    x.push_str(concat!(
        r#"<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/>"#,
        r#"<Property Name="UserId" Type="Edm.Guid" Nullable="false"/><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false"/></ComplexType>"#,
        r#"<ComplexType Name="CreateMultipleResponse"><Property Name="Ids" Type="Collection(Edm.Guid)" Nullable="false"/></ComplexType>"#,
        r#"<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false"/></Function>"#,
        r#"<ComplexType Name="AddMemberListResponse"><Property Name="Id" Type="Edm.Guid" Nullable="false"/></ComplexType>"#,
        r#"<Action Name="AddMemberList" IsBound="true"><Parameter Name="entity" Type="mscrm.list" Nullable="false"/>"#,
        r#"<Parameter Name="EntityId" Type="Edm.Guid" Nullable="false"/><ReturnType Type="mscrm.AddMemberListResponse" Nullable="false"/></Action>"#,
        r#"<Action Name="AddListMembersList"><Parameter Name="List" Type="mscrm.list" Nullable="false"/>"#,
        r#"<Parameter Name="Members" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/></Action>"#,
    ));
    for action in ["CreateMultiple", "UpdateMultiple", "UpsertMultiple"] {
        let _ = write!(
            x,
            r#"<Action Name="{action}" IsBound="true"><Parameter Name="entityset" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/><Parameter Name="Targets" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>"#
        );
        if action == "CreateMultiple" {
            x.push_str(r#"<ReturnType Type="mscrm.CreateMultipleResponse" Nullable="false"/>"#);
        }
        x.push_str("</Action>");
    }
    x.push_str(r#"<EntityContainer Name="System">"#);
    for t in &schema.tables {
        let _ = write!(
            x,
            r#"<EntitySet Name="{}" EntityType="mscrm.{}">"#,
            t.entity_set, t.logical_name
        );
        for r in &t.many_to_one {
            if let Some(target) = schema.table(&r.referenced_entity) {
                let _ = write!(
                    x,
                    r#"<NavigationPropertyBinding Path="{}" Target="{}"/>"#,
                    r.nav_property, target.entity_set
                );
            }
        }
        for (nav, other) in many_to_many_navs(schema, t) {
            if let Some(target) = schema.table(other) {
                let _ = write!(
                    x,
                    r#"<NavigationPropertyBinding Path="{nav}" Target="{}"/>"#,
                    target.entity_set
                );
            }
        }
        x.push_str("</EntitySet>");
    }
    x.push_str(r#"<FunctionImport Name="WhoAmI" Function="mscrm.WhoAmI" IncludeInServiceDocument="false"/>"#);
    x.push_str(r#"<ActionImport Name="AddListMembersList" Action="mscrm.AddListMembersList"/>"#);
    x.push_str("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>");
    x
}

fn entity_type(x: &mut String, schema: &Schema, t: &Table) {
    let _ = write!(
        x,
        r#"<EntityType Name="{}" BaseType="mscrm.crmbaseentity"><Key><PropertyRef Name="{}"/></Key>"#,
        t.logical_name, t.primary_id
    );
    for c in &t.columns {
        let _ = write!(
            x,
            r#"<Property Name="{}" Type="{}""#,
            c.property_name(),
            c.edm_type()
        );
        if let Some(n) = c.max_length {
            let _ = write!(x, r#" MaxLength="{n}""#);
        }
        x.push_str("/>");
    }
    for r in &t.many_to_one {
        let _ = write!(
            x,
            r#"<NavigationProperty Name="{}" Type="mscrm.{}" Nullable="false" Partner="{}"><ReferentialConstraint Property="_{}_value" ReferencedProperty="{}"/></NavigationProperty>"#,
            r.nav_property,
            r.referenced_entity,
            r.collection_nav,
            r.referencing_attribute,
            r.referenced_attribute
        );
    }
    for child in &schema.tables {
        for r in child
            .many_to_one
            .iter()
            .filter(|r| r.referenced_entity == t.logical_name)
        {
            let _ = write!(
                x,
                r#"<NavigationProperty Name="{}" Type="Collection(mscrm.{})" Partner="{}"/>"#,
                r.collection_nav, child.logical_name, r.nav_property
            );
        }
    }
    for (nav, other) in many_to_many_navs(schema, t) {
        // NOTE: Dataverse names both sides after the relationship, so each is its own partner.
        let _ = write!(
            x,
            r#"<NavigationProperty Name="{nav}" Type="Collection(mscrm.{other})" Partner="{nav}"/>"#
        );
    }
    x.push_str("</EntityType>");
}

/// The many-to-many navigation properties of `t`, with the table each leads to.
fn many_to_many_navs<'a>(schema: &'a Schema, t: &Table) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    for r in &schema.many_to_many {
        if r.entity1 == t.logical_name {
            out.push((r.entity1_nav.as_str(), r.entity2.as_str()));
        }
        if r.entity2 == t.logical_name {
            out.push((r.entity2_nav.as_str(), r.entity1.as_str()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_keys;

    #[test]
    fn every_table_has_an_entity_type_and_an_entity_set() {
        let schema = crate::schema::load(&default_keys(), None).expect("schema loads");
        let xml = render(&schema);
        for t in &schema.tables {
            let ty = format!(r#"<EntityType Name="{}""#, t.logical_name);
            let set = format!(r#"<EntitySet Name="{}""#, t.entity_set);
            assert!(
                xml.contains(&ty) && xml.contains(&set),
                "{} is declared",
                t.logical_name
            );
        }
        assert!(
            xml.contains(
                r#"<NavigationProperty Name="parentcustomerid_account" Type="mscrm.account""#
            ),
            "bind targets are declared"
        );
    }

    #[test]
    fn many_to_many_navigation_properties_are_declared_on_both_sides() {
        let schema = crate::schema::load(&default_keys(), None).expect("schema loads");
        let xml = render(&schema);
        let ty = |name: &str| {
            let start = xml
                .find(&format!(r#"<EntityType Name="{name}""#))
                .unwrap_or_else(|| panic!("{name} is declared"));
            let end = start + xml[start..].find("</EntityType>").expect("closed");
            xml[start..end].to_string()
        };
        assert!(
            ty("campaign").contains(r#"<NavigationProperty Name="campaignlist_association" Type="Collection(mscrm.list)" Partner="campaignlist_association"/>"#),
            "campaign leads to its lists"
        );
        assert!(
            ty("list").contains(r#"<NavigationProperty Name="campaignlist_association" Type="Collection(mscrm.campaign)""#),
            "a list leads to its campaigns"
        );
        assert!(
            ty("list").contains(r#"<NavigationProperty Name="campaignactivitylist_association" Type="Collection(mscrm.campaignactivity)""#),
            "a list leads to its campaign activities"
        );
        assert!(
            xml.contains(r#"<EntitySet Name="lists" EntityType="mscrm.list"><NavigationPropertyBinding Path="campaignlist_association" Target="campaigns"/>"#),
            "the entity set binds the navigation property"
        );
    }
}
