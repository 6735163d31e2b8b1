//! States and kinds as enums, stored as the TEXT the database has always held. One macro,
//! [`text_enum!`], declares the enum with the word of each variant and gives it what every such
//! type needs: `as_str`, `parse`, `ALL`, `Display`, `FromStr`, and diesel's conversions on both
//! backends (`status.eq(DealStatus::Agreed)`, loading a `status` column as a `DealStatus`). A word
//! in the database that the enum does not know is a loading error naming the type and the word.

/// Declares an enum stored as TEXT:
///
/// ```ignore
/// text_enum! {
///     /// What a deal is waiting for.
///     pub enum DealStatus {
///         Proposed = "proposed",
///         Agreed = "agreed",
///     }
/// }
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored in the database and used in forms, URLs and message keys.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// The value of a stored word, if it is one.
            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::text_enum::UnknownWord;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                $name::parse(s).ok_or_else(|| $crate::text_enum::UnknownWord {
                    type_name: stringify!($name),
                    word: s.to_string(),
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let word = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                word.parse::<$name>().map_err(serde::de::Error::custom)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let word = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                Ok(word.parse::<$name>()?)
            }
        }
    };
}

/// A stored or posted word that names no value of the enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    pub type_name: &'static str,
    pub word: String,
}

impl std::fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: unknown value {:?}", self.type_name, self.word)
    }
}

impl std::error::Error for UnknownWord {}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    crate::text_enum! {
        /// A test enum.
        pub enum Colour {
            Red = "red",
            DeepBlue = "deep_blue",
        }
    }

    #[test]
    fn words_round_trip() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            assert_eq!(c.to_string().parse::<Colour>(), Ok(*c));
        }
        assert_eq!(Colour::DeepBlue.as_str(), "deep_blue");
        let e = "green".parse::<Colour>().unwrap_err();
        assert_eq!(e.to_string(), "Colour: unknown value \"green\"");
        assert_eq!(serde_json::to_string(&Colour::DeepBlue).unwrap(), "\"deep_blue\"");
        assert_eq!(serde_json::from_str::<Colour>("\"red\"").unwrap(), Colour::Red);
        assert!(serde_json::from_str::<Colour>("\"green\"").is_err());
    }

    diesel::table! {
        paints (id) {
            id -> BigInt,
            colour -> Text,
        }
    }

    #[test]
    fn stored_and_loaded_as_text_through_the_pool_connection() {
        let pool = crate::db::connect(":memory:", 1).expect("sqlite");
        let mut conn = pool.get().expect("conn");
        diesel::sql_query("CREATE TABLE paints (id BIGINT PRIMARY KEY, colour TEXT NOT NULL)")
            .execute(&mut *conn)
            .expect("table");
        diesel::insert_into(paints::table)
            .values((paints::id.eq(1), paints::colour.eq(Colour::DeepBlue)))
            .execute(&mut *conn)
            .expect("insert");
        diesel::sql_query("INSERT INTO paints VALUES (2, 'green')")
            .execute(&mut *conn)
            .expect("insert");
        let loaded: Colour = paints::table
            .filter(paints::colour.eq(Colour::DeepBlue))
            .select(paints::colour)
            .first(&mut *conn)
            .expect("load");
        assert_eq!(loaded, Colour::DeepBlue);
        let raw: String = paints::table
            .find(1)
            .select(paints::colour)
            .first(&mut *conn)
            .expect("raw");
        assert_eq!(raw, "deep_blue");
        let bad: QueryResult<Colour> = paints::table.find(2).select(paints::colour).first(&mut *conn);
        // diesel names the column; the cause below it names the type and the word.
        let Err(diesel::result::Error::DeserializationError(e)) = bad else {
            panic!("{bad:?}")
        };
        let mut causes = vec![e.to_string()];
        let mut source = e.source();
        while let Some(s) = source {
            causes.push(s.to_string());
            source = s.source();
        }
        assert!(
            causes.iter().any(|c| c == "Colour: unknown value \"green\""),
            "{causes:?}"
        );
    }
}
