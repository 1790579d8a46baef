//! Typed ids: a download's id cannot be passed where a wanted track's is
//! expected. Stored as the table's integer primary key (see `db::sql_types`).

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            Serialize,
            Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }
    };
}

id_type!(
    /// A row of `downloads`.
    DownloadId
);
id_type!(
    /// A row of `wanted_tracks`.
    WantedId
);
id_type!(
    /// A row of `watchlist_artists`.
    WatchId
);
id_type!(
    /// A row of `backfills`.
    BackfillId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_numbers_in_json() {
        assert_eq!(serde_json::to_string(&DownloadId(7)).unwrap(), "7");
        let id: WantedId = serde_json::from_str("42").unwrap();
        assert_eq!(id, WantedId(42));
        assert_eq!(id.to_string(), "42");
    }
}
