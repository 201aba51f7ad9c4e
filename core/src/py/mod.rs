//! Python semantics that taskgraph's code relies on, in one place for every stage: values
//! ([`value`]: truthiness, `==`, type names, `str()`/`repr()`), `str.format` ([`format`]),
//! keyed-by resolution ([`keyed_by`]), `re.match`/`re.fullmatch` anchoring ([`re`]), the order of
//! a set of strings ([`set`]), `posixpath` and `json.dumps` ([`path`]), and msgspec-style schema
//! validation ([`msgspec`]).

pub mod format;
pub mod keyed_by;
pub mod msgspec;
pub mod path;
pub mod re;
pub mod set;
pub mod value;

pub use value::truthy;
