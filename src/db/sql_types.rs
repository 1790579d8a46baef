//! Typed states and ids in rows: a state enum is written and read as its
//! name, so no state string is spelled outside its `as_str`/`parse` pair; a
//! typed id is its table's integer key.

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::domain::downloads::state::DownloadState;
use crate::domain::ids::{BackfillId, DownloadId, WantedId, WatchId};
use crate::domain::imports::backfill_state::BackfillState;
use crate::domain::wanted::WantedState;

macro_rules! text_state {
    ($state:ty, $what:literal) => {
        impl ToSql<Text, Sqlite> for $state {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.as_str());
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $state {
            fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
                <$state>::parse(&text)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " '{}'"), text).into())
            }
        }
    };
}

text_state!(DownloadState, "download state");
text_state!(WantedState, "wanted-track state");
text_state!(ArtifactStatus, "artifact status");
text_state!(BackfillState, "backfill state");

/// Typed ids are the table's integer key.
macro_rules! integer_id {
    ($id:ty) => {
        impl ToSql<BigInt, Sqlite> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.0);
                Ok(IsNull::No)
            }
        }

        impl FromSql<BigInt, Sqlite> for $id {
            fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                Ok(Self(<i64 as FromSql<BigInt, Sqlite>>::from_sql(value)?))
            }
        }
    };
}

integer_id!(DownloadId);
integer_id!(WantedId);
integer_id!(WatchId);
integer_id!(BackfillId);
