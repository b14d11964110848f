//! Mixins: columns declared once and embedded in several models.

use std::sync::atomic::{AtomicI64, Ordering};

use orm::prelude::*;

use crate::common::each_db;

static CLOCK: AtomicI64 = AtomicI64::new(1);

fn now() -> i64 {
    CLOCK.fetch_add(1, Ordering::Relaxed)
}

mod shared {
    /// Creation and modification stamps (a clock reading each).
    #[orm::mixin]
    pub struct Timestamps {
        #[orm(default = crate::mixins::now())]
        created_at: i64,
        #[orm(default = crate::mixins::now(), update_default = crate::mixins::now(), index)]
        updated_at: i64,
    }

    /// Soft deletion.
    #[orm::mixin]
    pub struct SoftDelete {
        deleted: Option<bool>,
    }
}

use shared::{SoftDelete, Timestamps};

#[orm::mixins(Timestamps, SoftDelete)]
#[derive(Model, Debug)]
#[orm(table = "articles")]
struct Article {
    #[orm(primary_key, auto_increment)]
    id: i64,
    title: String,
}

#[orm::mixins(Timestamps)]
#[derive(Model, Debug)]
#[orm(table = "comments")]
struct Comment {
    #[orm(primary_key, auto_increment)]
    id: i64,
    body: String,
}

#[test]
fn mixin_columns_are_part_of_every_model_that_embeds_them() {
    let names = |t: &orm::TableDef| t.columns.iter().map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(names(Article::table()), ["id", "title", "created_at", "updated_at", "deleted"]);
    assert_eq!(names(Comment::table()), ["id", "body", "created_at", "updated_at"]);
    let ix = &Comment::table().indexes[0];
    assert_eq!(orm::NamingConvention::default().index_name(Comment::table(), ix).unwrap(), "ix_comments_updated_at");
    each_db("mixins", |db| {
        db.engine.create_all(&[Article::table(), Comment::table()]).unwrap();
        let mut s = db.engine.session();
        // The mixin's defaults are part of the model's generated `Default`.
        let a = s.add(Article { title: "Mixins".into(), ..Default::default() }).unwrap();
        let c = s.add(Comment { body: "nice".into(), ..Default::default() }).unwrap();
        let (created, deleted) = (a.read().created_at, a.read().deleted);
        s.commit().unwrap();
        assert!(created > 0 && c.read().created_at > 0, "defaults of the mixin apply");
        assert_eq!(deleted, None);
        let stored: i64 = select(Article::created_at).one(&db.engine).unwrap();
        assert_eq!(stored, created, "and are stored as built");
        let before = c.read().updated_at;
        c.write().body = "very nice".into();
        s.commit().unwrap();
        assert!(c.read().updated_at > before, "update_default of the mixin applies");
        // The mixin's columns are typed accessors like any other.
        let recent: Vec<String> = select(Comment::body).filter(Comment::updated_at.gt(before)).all(&db.engine).unwrap();
        assert_eq!(recent, ["very nice"]);
        let live: i64 =
            select(func::count_all()).from::<Article>().filter(Article::deleted.is_null()).one(&db.engine).unwrap();
        assert_eq!(live, 1);
    });
}
