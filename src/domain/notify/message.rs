//! One message: a group of events of one kind, as every target kind renders it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Items kept in a grouped message (the count says how many there were).
pub const FIRST_ITEMS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The idempotency id: the same for every attempt and every target.
    pub id: String,
    pub event: String,
    /// When the (first) event happened, RFC 3339.
    pub at: String,
    /// Events grouped into this message.
    pub count: usize,
    /// The first `FIRST_ITEMS` events' data.
    pub items: Vec<Value>,
}

impl Message {
    /// A message of the events' data (oldest first); `first_id` is the first
    /// event's row id, unique for ever.
    pub fn group(first_id: i64, event: &str, at: String, data: Vec<Value>) -> Message {
        let count = data.len();
        Message {
            id: format!("hm-{first_id}"),
            event: event.to_string(),
            at,
            count,
            items: data.into_iter().take(FIRST_ITEMS).collect(),
        }
    }

    /// `data` of the webhook body: the event's data when alone; with a
    /// group, the count and the first items.
    pub fn data(&self) -> Value {
        match (self.count, self.items.first()) {
            (1, Some(only)) => only.clone(),
            _ => json!({
                "count": self.count,
                "items": self.items,
                "omitted": self.count.saturating_sub(self.items.len()),
            }),
        }
    }
}
