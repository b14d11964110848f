//! The ORM Session: a unit of work over one transaction at a time, with an identity map,
//! object states and change tracking. See `DESIGN.md` beside this file.

mod borrows;
mod bulk;
mod cascade;
mod events;
mod factory;
pub(crate) mod fetch;
mod has_one;
mod identity_map;
mod joined;
mod loading;
pub(crate) mod many_to_many;
mod mapper;
mod mapper_events;
mod n_plus_one;
mod object;
mod objects;
mod pair_query;
mod polymorphic;
mod query;
mod relationship;
mod retry;
mod scoped;
#[allow(clippy::module_inception)]
mod session;
mod streaming;
mod text_query;
mod tracked;
mod typed;
pub(crate) mod unit_of_work;

/// Maps of the session's own bookkeeping (object addresses, model keys): foldhash, seeded per
/// map, several times faster than SipHash on the integer keys most of them have.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// Sets of the session's own bookkeeping (see [`FastMap`]).
pub(crate) type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

pub use factory::SessionFactory;
pub use fetch::FetchObjects;
pub use has_one::{cascade_delete_child, has_one_links, HasOneRel};
pub use loading::{
    joinedload, lazyload, noload, raiseload, selectinload, subqueryload, JoinRelation, JoinedLoad, LazyLoad, Loader,
    Loaders, NoLoad, RaiseLoad, Relationship, SelectIn, SubqueryIn, Then,
};
pub use many_to_many::{clear_associations, many_to_many_links, ManyToMany, ManyToManyRel};
pub use mapper::{JoinCollector, JoinSpec, LoadContext, LoaderOption, Mapper};
pub use mapper_events::{AfterWrite, BeforeWrite, WriteEvent};
pub use n_plus_one::{NPlusOne, NPlusOneReport};
pub use object::{IntoObj, Obj, ObjMut, ObjRef, ObjectState};
pub use pair_query::{PairQuery, QueryTarget};
pub use polymorphic::{Adopter, PolymorphicObjects, PolymorphicQuery};
#[cfg(feature = "async")]
pub(crate) use query::{push_loader, sent_statement};
pub use query::{Query, QueryJoinOn};
pub use relationship::{
    back_accessor, belongs_to_links, cascade_delete_children, has_many_links, BackPopulates, BelongsTo, BelongsToRel,
    ForeignKeyTo, HasMany, HasManyRel, HasOne, JoinPath, ParentSide, RelationField,
};
pub use session::{Savepoint, Session, SessionCounts, SessionEvent, SessionListener};
pub use text_query::{Autoflushed, TextQuery};
pub use tracked::RelationLink;
