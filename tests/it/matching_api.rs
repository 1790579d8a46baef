//! `POST /api/v1/matching/score` (`api.md` §5): the engine as a stateless
//! question, with the contract's shape, defaults, overrides and limits.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};

const URL: &str = "/api/v1/matching/score";

fn daft_punk() -> Value {
    json!({"artist": "Daft Punk", "title": "One More Time", "album": "Discovery",
           "duration_ms": 320_357})
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn picks_the_right_file_and_explains_every_verdict() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    let body = json!({
        "track": daft_punk(),
        "candidates": [
            {"username": "live", "filename": "Music\\Daft Punk\\Alive 2007\\One More Time (Live).mp3",
             "size": 7_700_000, "bitrate": 320, "length": 320, "extension": "mp3"},
            {"username": "u1", "filename": "Music\\Daft Punk\\Discovery\\01 One More Time.mp3",
             "size": 7_700_000, "bitrate": 320, "length": 320, "extension": "mp3", "unknown": true},
            {"username": "long", "filename": "Music\\Daft Punk\\Discovery\\01 One More Time.flac",
             "size": 37_700_000, "length": 345, "extension": "flac"},
            {"filename": "Music\\Daft Punk\\Discovery\\cover.jpg"}
        ],
        "preferences": {"formats": ["flac", "mp3"], "min_bitrate": 192}
    });
    let (code, answer) = app.send_json("POST", URL, &body).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["best"], 1);
    let list = answer["candidates"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["index"], 1);
    assert_eq!(list[0]["accepted"], true);
    assert_eq!(list[0]["rejected_by"], json!([]));
    for key in ["title", "artist", "album", "duration", "quality", "peer"] {
        let v = list[0]["components"][key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{key}: {v}");
    }
    let verdict = |index: u64| {
        list.iter()
            .find(|c| c["index"] == index)
            .map(|c| c["rejected_by"].clone())
            .unwrap()
    };
    assert!(verdict(0).as_array().unwrap().contains(&json!("version")));
    assert!(verdict(2).as_array().unwrap().contains(&json!("duration")));
    assert!(verdict(3).as_array().unwrap().contains(&json!("format")));
    // Refused ones follow the accepted, by descending score.
    let scores: Vec<f64> = list[1..]
        .iter()
        .map(|c| c["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn preferences_override_the_configured_defaults() {
    let app = TestApp::start(&[
        ("HARMONY_DISABLE_WORKERS", "1"),
        ("MATCH_MIN_BITRATE", "128"),
    ])
    .await;
    let candidates = json!([
        {"username": "u", "filename": "Daft Punk\\Discovery\\01 One More Time.mp3",
         "bitrate": 192, "length": 320, "extension": "mp3"}
    ]);
    let (code, answer) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": daft_punk(), "candidates": candidates}),
        )
        .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["best"], 0, "192 kbps passes the configured 128");
    let (code, answer) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": daft_punk(), "candidates": candidates,
                    "preferences": {"min_bitrate": 256}}),
        )
        .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["best"], Value::Null);
    assert!(answer["candidates"][0]["rejected_by"]
        .as_array()
        .unwrap()
        .contains(&json!("bitrate")));
    // A wider duration tolerance accepts a longer file.
    let longer = json!([{"username": "u", "filename": "Daft Punk\\Discovery\\01 One More Time.flac",
                         "length": 330, "extension": "flac"}]);
    let (_, strict) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": daft_punk(), "candidates": longer}),
        )
        .await;
    assert_eq!(strict["best"], Value::Null);
    let (_, loose) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": daft_punk(), "candidates": longer,
                    "preferences": {"duration_tolerance_sec": 15}}),
        )
        .await;
    assert_eq!(loose["best"], 0, "{loose}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn only_the_title_is_required_and_limits_hold() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    // Zero candidates: nothing to choose.
    let (code, answer) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": {"title": "Song"}, "candidates": []}),
        )
        .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer, json!({"best": null, "candidates": []}));
    // An unknown artist is still a valid question.
    let (code, answer) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": {"title": "命の灯火", "artist": ""},
                    "candidates": [{"filename": "無職転生.flac"}, {"filename": "命の灯火.flac"}]}),
        )
        .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["best"], 1);

    for (body, field) in [
        (
            json!({"track": {"artist": "A"}, "candidates": []}),
            "track.title",
        ),
        (
            json!({"track": {"title": "  "}, "candidates": []}),
            "track.title",
        ),
        (
            json!({"track": {"title": "x"}, "candidates": [{"filename": ""}]}),
            "candidates[0].filename",
        ),
        (
            json!({"track": {"title": "x"}, "candidates": [{"filename": "a.mp3", "length": -3}]}),
            "candidates[0].length",
        ),
        (
            json!({"track": {"title": "x"}, "candidates": [], "preferences": {"min_score": 2}}),
            "preferences.min_score",
        ),
    ] {
        let (code, answer) = app.send_json("POST", URL, &body).await;
        assert_eq!(code, 422, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "validation_error");
        let fields: Vec<&str> = answer["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }

    let many: Vec<Value> = (0..5001)
        .map(|i| json!({"filename": format!("Artist\\Album\\{i:04} Song.mp3"), "bitrate": 320}))
        .collect();
    let (code, answer) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": {"title": "Song"}, "candidates": many}),
        )
        .await;
    assert_eq!(code, 422, "{answer}");
    let (code, answer) = app
        .send_json(
            "POST",
            URL,
            &json!({"track": {"title": "Song"}, "candidates": &many[..5000]}),
        )
        .await;
    assert_eq!(
        code, 200,
        "5000 candidates are allowed: {}",
        answer["error"]
    );
    assert_eq!(answer["candidates"].as_array().unwrap().len(), 5000);
}
