//! The ids of the market's objects as types of their own, so that a deal's id cannot be passed
//! where a contract's is wanted. Each is stored as the BIGINT the database has always held, reads
//! from a URL's path and a form as a number, and prints as one. One macro, [`id_type!`], declares
//! them; an area adopts its id in its rows, its store's signatures and its routes' paths.

/// Declares an id type stored as BIGINT.
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        $vis struct $name(pub i64);

        impl $name {
            /// The number stored.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                s.parse().map($name)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>>::from_sql(bytes).map($name)
            }
        }
    };
}

id_type! {
    /// A deal room's id.
    pub struct DealId;
}

id_type! {
    /// A technology contract's id.
    pub struct ContractId;
}

id_type! {
    /// A proposal's id (to an open challenge).
    pub struct ProposalId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_prints_as_its_number() {
        assert_eq!("42".parse::<DealId>(), Ok(DealId(42)));
        assert!("4x".parse::<DealId>().is_err());
        assert_eq!(DealId(42).to_string(), "42");
        assert_eq!(serde_json::to_string(&ContractId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<ContractId>("7").unwrap(), ContractId(7));
        assert_eq!(ContractId(7).get(), 7);
    }
}
