//! Typed states in rows: a state enum is written and read as its name, so
//! no state string is spelled outside its `as_str`/`parse` pair.

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::domain::downloads::state::DownloadState;
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
