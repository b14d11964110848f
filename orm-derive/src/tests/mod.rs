//! Snapshots of what the derive generates, pretty-printed, so that a change in generated code
//! shows up in review.

use crate::expand::expand_derive_model;

fn expand(input: syn::DeriveInput) -> String {
    pretty(expand_derive_model(&input))
}

/// Generated tokens, pretty-printed when they parse as a file.
fn pretty(tokens: proc_macro2::TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

#[test]
fn model_with_key_foreign_key_and_options() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        #[orm(table = "orders", unique(user_id, note), index(total))]
        pub struct Order {
            #[orm(primary_key, auto_increment)]
            id: i64,
            #[orm(foreign_key = User::id, on_delete = cascade)]
            user_id: i64,
            #[orm(check = "total >= 0", default = 0.0)]
            total: f64,
            #[orm(max_length = 200, column = "note_text", server_default = "''")]
            note: Option<String>,
        }
    }));
}

#[test]
fn composite_key() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        struct Membership {
            #[orm(primary_key)]
            user_id: i64,
            #[orm(primary_key)]
            group: String,
        }
    }));
}

#[test]
fn errors_come_with_a_fallback_impl() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        struct Broken {
            #[orm(primay_key)]
            id: i64,
        }
    }));
}

#[test]
fn relationships() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        struct Order {
            #[orm(primary_key, auto_increment)]
            id: i64,
            #[orm(foreign_key = User::id)]
            user_id: i64,
            #[relationship]
            user: BelongsTo<User>,
            #[relationship(foreign_key = Item::order_id)]
            items: HasMany<Item>,
        }
    }));
}

#[test]
fn defaults_give_a_default_impl() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        struct Post {
            #[orm(primary_key, default = uuid::Uuid::new_v4())]
            id: uuid::Uuid,
            title: String,
            #[orm(default = true)]
            visible: bool,
            #[relationship(foreign_key = Comment::post_id)]
            comments: HasMany<Comment>,
        }
    }));
}

#[test]
fn the_fallback_of_a_model_with_defaults_implements_default() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        struct Broken {
            #[orm(primay_key)]
            id: i64,
            #[orm(default = 3)]
            n: i32,
        }
    }));
}

#[test]
fn named_indexes_and_constraints() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        #[orm(
            table = "orders",
            index(name = "ix_recent", status, created_at),
            unique_index(name = "ux_ref", reference),
            unique(name = "uq_pair", status, reference),
            unique(status, created_at),
            check(name = "ck_positive", "total >= 0"),
            check = "created_at > 0"
        )]
        pub struct Order {
            #[orm(primary_key)]
            id: i64,
            #[orm(index(name = "ix_state"), unique(name = "uq_status"))]
            status: String,
            #[orm(check(name = "ck_ref_len", "length(reference) > 2"))]
            reference: String,
            total: f64,
            created_at: i64,
        }
    }));
}

#[test]
fn polymorphic_enum_with_a_fallback_variant() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[orm(base = Employee)]
        enum Staff {
            Employee(Employee),
            Engineer(Employee, Engineer),
            #[orm(polymorphic_fallback)]
            Other(Employee),
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::polymorphic::expand_derive_polymorphic(&input)));
}

#[test]
fn polymorphic_enum_of_objects() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[orm(base = Employee)]
        enum Staff {
            Employee(Obj<Employee>),
            Manager(Obj<Manager>),
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::polymorphic::expand_derive_polymorphic(&input)));
}

#[test]
fn polymorphic_errors_come_with_a_fallback_impl() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[orm(base = Employee)]
        enum Staff {
            #[orm(polymorphic_fallbak)]
            Employee(Employee),
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::polymorphic::expand_derive_polymorphic(&input)));
}

#[test]
fn sql_enum_stored_as_text() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[orm(text, rename_all = "snake_case")]
        enum Status {
            InProgress,
            #[orm(rename = "finished")]
            Done,
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::sql_enum::expand_derive_sql_enum(&input)));
}

#[test]
fn sql_enum_stored_as_an_integer() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[orm(integer)]
        enum Priority {
            Low = 1,
            Medium,
            High = 10,
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::sql_enum::expand_derive_sql_enum(&input)));
}

#[test]
fn sql_enum_errors_come_with_a_fallback_impl() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[orm(integr)]
        enum Priority {
            Low,
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::sql_enum::expand_derive_sql_enum(&input)));
}

#[test]
fn from_row_reads_fields_by_label() {
    let input: syn::DeriveInput = syn::parse_quote! {
        struct Totals {
            name: String,
            #[orm(label = "n")]
            count: i64,
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::from_row::expand_derive_from_row(&input)));
}

#[test]
fn from_row_errors_come_with_a_fallback_impl() {
    let input: syn::DeriveInput = syn::parse_quote! {
        struct Totals {
            #[orm(lable = "n")]
            count: i64,
        }
    };
    insta::assert_snapshot!(pretty(crate::expand::from_row::expand_derive_from_row(&input)));
}
