//! How referential actions and default changes read in a migration file.

/// `cascade`, `set null`, `set default`, `restrict`, `no action`.
pub(crate) mod action {
    use orm_runtime::schema::ReferentialAction;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(a: &ReferentialAction, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.as_sql().to_ascii_lowercase())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ReferentialAction, D::Error> {
        let text = String::deserialize(d)?;
        match text.trim().to_ascii_lowercase().as_str() {
            "no action" => Ok(ReferentialAction::NoAction),
            "restrict" => Ok(ReferentialAction::Restrict),
            "cascade" => Ok(ReferentialAction::Cascade),
            "set null" => Ok(ReferentialAction::SetNull),
            "set default" => Ok(ReferentialAction::SetDefault),
            other => Err(serde::de::Error::custom(format!(
                "unknown action `{other}`: one of no action, restrict, cascade, set null, set default"
            ))),
        }
    }
}

/// A default change: the new default's SQL, or `""` for none.
pub(crate) mod default_change {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(c: &Option<Option<String>>, s: S) -> Result<S::Ok, S::Error> {
        match c {
            Some(Some(sql)) => s.serialize_some(sql),
            Some(None) => s.serialize_some(""),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Some((!text.trim().is_empty()).then_some(text)))
    }
}
