//! Data templates' pure side: how customer rows become Dataverse records, shared by the preview
//! and the send path so both say and do the same.
//!
//! - [`coerce`]: one cell into the JSON value a column accepts, or why it cannot be.
//! - [`suggest`]: first guesses of which table column each source column fills.
//! - [`plan`]: a mapping checked against its table and source, and rows made into records.
//! - [`lookup`]: lookup columns' related tables and `@odata.bind` paths, for [`plan`].

pub mod coerce;
pub mod lookup;
pub mod plan;
pub mod suggest;
