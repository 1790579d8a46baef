//! The OpenAPI document tells the truth (`api.md` §1, §2): it is checked as
//! a document, then every operation is sent a handful of requests generated
//! from its own schemas — a valid one, no key, bad path ids, a missing
//! required field, wrong types, over-long strings and lists, unknown enum
//! values, broken JSON and a wrong content type — and every answer must have
//! a documented status and a body that validates against the documented
//! schema. Invalid requests must not be accepted. (Schemathesis does the
//! same with random data; see docs/testing.md.)

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{client, TestApp};
use serde_json::{json, Map, Value};

const KEY: &str = "openapi-test-key";
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.trim_start_matches('#');
            resolve(doc, doc.pointer(pointer).unwrap_or(&Value::Null))
        }
        None => schema,
    }
}

/// The schema's type, ignoring `null` in a type list.
fn type_of<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a str> {
    let schema = resolve(doc, schema);
    match &schema["type"] {
        Value::String(t) => Some(t.as_str()),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => schema["oneOf"]
            .as_array()?
            .iter()
            .find_map(|s| type_of(doc, s).filter(|t| *t != "null")),
    }
}

/// The first non-null branch of a `oneOf`, else the schema itself.
fn main_branch<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = resolve(doc, schema);
    match schema["oneOf"].as_array() {
        Some(branches) => branches
            .iter()
            .map(|b| resolve(doc, b))
            .find(|b| b["type"] != "null")
            .unwrap_or(schema),
        None => schema,
    }
}

fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    if let Value::Object(map) = &mut root {
        map.insert("components".into(), doc["components"].clone());
    }
    jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("bad schema {schema}: {e}"))
}

fn is_valid(doc: &Value, schema: &Value, value: &Value) -> bool {
    validator(doc, schema).is_valid(value)
}

/// A small valid instance: required properties only, lower bounds.
fn example(doc: &Value, schema: &Value) -> Value {
    let schema = main_branch(doc, schema);
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match type_of(doc, schema) {
        Some("object") => {
            let mut out = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                out.insert(name.into(), example(doc, &schema["properties"][name]));
            }
            Value::Object(out)
        }
        Some("array") => {
            let n = schema["minItems"].as_u64().unwrap_or(1).max(1);
            Value::Array((0..n).map(|_| example(doc, &schema["items"])).collect())
        }
        Some("string") => {
            let min = usize::try_from(schema["minLength"].as_u64().unwrap_or(1)).unwrap_or(1);
            ["a".repeat(min.max(1)), "0123456789abcdefABCDEF".into()]
                .into_iter()
                .map(Value::String)
                .find(|v| is_valid(doc, schema, v))
                .unwrap_or_else(|| panic!("no example string for {schema}"))
        }
        Some("integer") | Some("number") => {
            let min = schema["minimum"].as_f64().unwrap_or(1.0);
            json!(min.max(-2_147_483_648.0) as i64)
        }
        Some("boolean") => json!(true),
        _ => json!({}),
    }
}

/// A value of another JSON type than the schema's.
fn wrong_type(doc: &Value, schema: &Value) -> Value {
    match type_of(doc, schema) {
        Some("string") => json!(12),
        Some("object") | Some("array") => json!(true),
        _ => json!("not-the-right-type"),
    }
}

/// Values that break a bound of this property: too long, too many, unknown name.
fn bound_breakers(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    let schema = main_branch(doc, schema);
    let mut out = Vec::new();
    if let Some(max) = schema["maxLength"].as_u64() {
        let max = usize::try_from(max).unwrap_or(0);
        out.push(("too long".into(), json!("a".repeat(max + 1))));
    }
    if let Some(max) = schema["maxItems"].as_u64() {
        let item = example(doc, &schema["items"]);
        let n = usize::try_from(max).unwrap_or(0) + 1;
        out.push(("too many items".into(), Value::Array(vec![item; n])));
    }
    if let Some(max) = schema["maximum"].as_f64() {
        out.push(("above maximum".into(), json!(max as i64 + 1)));
    }
    if let Some(min) = schema["minimum"].as_f64() {
        out.push(("below minimum".into(), json!(min as i64 - 1)));
    }
    if schema["enum"].is_array() {
        out.push(("unknown enum value".into(), json!("not-a-known-value")));
    }
    if type_of(doc, schema) == Some("array") && resolve(doc, &schema["items"])["enum"].is_array() {
        out.push(("unknown enum value".into(), json!(["not-a-known-value"])));
    }
    out
}

/// Invalid bodies derived from a valid one: each with a name.
fn invalid_bodies(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    let schema = main_branch(doc, schema);
    let valid = example(doc, schema);
    let mut out = Vec::new();
    if type_of(doc, schema) != Some("object") {
        return out;
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        let mut body = valid.clone();
        body.as_object_mut()
            .map(|m| m.remove(name.as_str().unwrap_or_default()));
        out.push((format!("missing {name}"), body));
    }
    let properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, property) in &properties {
        let mut body = valid.clone();
        body[name] = wrong_type(doc, property);
        out.push((format!("wrong type {name}"), body));
        for (case, value) in bound_breakers(doc, property) {
            let mut body = valid.clone();
            body[name] = value;
            out.push((format!("{case} {name}"), body));
        }
        // One level down: the fields of the first item of a list of objects.
        let property = main_branch(doc, property);
        let item = main_branch(doc, &property["items"]);
        if let (Some(Value::Array(items)), Some(fields)) =
            (valid.get(name), item["properties"].as_object())
        {
            for (field, field_schema) in fields {
                for (case, value) in bound_breakers(doc, field_schema) {
                    let mut body = valid.clone();
                    let mut first = items[0].clone();
                    first[field] = value;
                    body[name][0] = first;
                    out.push((format!("{case} {name}[0].{field}"), body));
                }
            }
        }
    }
    out
}

const MULTIPART_BOUNDARY: &str = "harmony-openapi-test";
const MULTIPART_BODY: &str = "--harmony-openapi-test\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\n\
Content-Type: text/csv\r\n\r\n\
artist,title\r\nDaft Punk,Digital Love\r\n\
--harmony-openapi-test--\r\n";

/// One request and what is known of its validity.
struct Case {
    name: String,
    path: String,
    query: String,
    body: Option<(String, Vec<u8>)>,
    key: bool,
    valid: bool,
}

struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

async fn send(app: &TestApp, method: &str, case: &Case) -> Answer {
    let url = app.url(&format!("{}{}", case.path, case.query));
    let mut req = client().request(method.to_uppercase().parse().unwrap(), url);
    if case.key {
        req = req.insert_header(("X-API-Key", KEY));
    }
    let sent = match &case.body {
        Some((content_type, bytes)) => {
            req.insert_header(("Content-Type", content_type.as_str()))
                .send_body(bytes.clone())
                .await
        }
        None => req.send().await,
    };
    let mut res = sent.unwrap_or_else(|e| panic!("{method} {}: {e}", case.path));
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.body().limit(16 << 20).await.unwrap().to_vec();
    Answer {
        status: res.status().as_u16(),
        content_type,
        body,
    }
}

/// The answer's status is documented, its content type is one documented
/// for it, and a JSON body validates against the documented schema.
fn check_answer(doc: &Value, operation: &Value, what: &str, answer: &Answer) -> Vec<String> {
    let mut problems = Vec::new();
    let status = answer.status.to_string();
    let Some(response) = operation["responses"].get(&status) else {
        return vec![format!("{what}: undocumented status {status}")];
    };
    let Some(content) = resolve(doc, response)["content"].as_object() else {
        if !answer.body.is_empty() {
            problems.push(format!("{what}: {status} has a body but documents none"));
        }
        return problems;
    };
    let essence = answer.content_type.split(';').next().unwrap_or("").trim();
    let documented = content.iter().find(|(media, _)| {
        *media == essence
            || media
                .strip_suffix("/*")
                .is_some_and(|main| essence.starts_with(&format!("{main}/")))
    });
    let Some((media, media_type)) = documented else {
        return vec![format!(
            "{what}: {status} answered {essence:?}, documented {:?}",
            content.keys().collect::<Vec<_>>()
        )];
    };
    if media == "application/json" {
        if let Some(schema) = media_type.get("schema") {
            match serde_json::from_slice::<Value>(&answer.body) {
                Ok(body) => {
                    let validator = validator(doc, schema);
                    for e in validator.iter_errors(&body) {
                        problems.push(format!("{what}: {status} body {body}: {e}"));
                    }
                }
                Err(e) => problems.push(format!("{what}: {status} body is not JSON: {e}")),
            }
        }
    }
    problems
}

/// The requests generated for one operation.
fn cases(doc: &Value, path: &str, operation: &Value) -> Vec<Case> {
    let concrete = path.replace("{id}", "1");
    let case = |name: &str, path: &str, query: &str, body: Option<(String, Vec<u8>)>| Case {
        name: name.into(),
        path: path.into(),
        query: query.into(),
        body,
        key: true,
        valid: false,
    };
    let json_schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    let json_body = |v: &Value| Some(("application/json".to_string(), v.to_string().into_bytes()));
    let valid_body = if json_schema.is_null() {
        None
    } else {
        json_body(&example(doc, json_schema))
    };
    let mut out = vec![Case {
        valid: true,
        ..case("valid", &concrete, "", valid_body.clone())
    }];
    out.push(Case {
        key: false,
        valid: operation["security"] == json!([]),
        ..case("no API key", &concrete, "", valid_body.clone())
    });
    // The other content types a body may have (`/imports`): a small valid one each.
    for media in operation["requestBody"]["content"]
        .as_object()
        .into_iter()
        .flat_map(|c| c.keys())
    {
        let body = match media.as_str() {
            "text/plain" => b"Daft Punk - One More Time | Discovery | 5:20\n".to_vec(),
            "text/csv" => b"artist,title\nDaft Punk,Aerodynamic\n".to_vec(),
            "multipart/form-data" => MULTIPART_BODY.as_bytes().to_vec(),
            _ => continue,
        };
        let content_type = match media.as_str() {
            "multipart/form-data" => format!("{media}; boundary={MULTIPART_BOUNDARY}"),
            _ => media.clone(),
        };
        out.push(Case {
            valid: true,
            ..case(
                &format!("valid {media}"),
                &concrete,
                "",
                Some((content_type, body)),
            )
        });
    }
    if path.contains("{id}") {
        for id in ["abc", "999999999", "99999999999999999999999"] {
            out.push(case(
                &format!("path id {id}"),
                &path.replace("{id}", id),
                "",
                valid_body.clone(),
            ));
        }
    }
    if !json_schema.is_null() {
        for (name, body) in invalid_bodies(doc, json_schema) {
            out.push(case(&name, &concrete, "", json_body(&body)));
        }
        out.push(case(
            "truncated JSON",
            &concrete,
            "",
            Some(("application/json".into(), b"{\"items\": [1, 2".to_vec())),
        ));
        if operation["requestBody"]["content"]
            .get("text/plain")
            .is_none()
        {
            let text = valid_body
                .clone()
                .map(|(_, b)| ("text/plain".to_string(), b));
            out.push(case("text/plain body", &concrete, "", text));
        }
    }
    for param in operation["parameters"].as_array().into_iter().flatten() {
        if param["in"] != "query" {
            continue;
        }
        let name = param["name"].as_str().unwrap_or_default();
        let schema = &param["schema"];
        let mut values: Vec<(String, String)> = Vec::new();
        match type_of(doc, schema) {
            Some("integer") => values.push(("not a number".into(), "abc".into())),
            Some("array") => values.push(("unknown enum value".into(), "queued,bogus".into())),
            _ => {}
        }
        for (case_name, value) in bound_breakers(doc, schema) {
            if let Some(n) = value.as_i64() {
                values.push((case_name, n.to_string()));
            } else if let Some(s) = value.as_str() {
                values.push((case_name, s.to_string()));
            }
        }
        for (case_name, value) in values {
            out.push(case(
                &format!("{case_name} ?{name}"),
                &concrete,
                &format!("?{name}={value}"),
                valid_body.clone(),
            ));
        }
    }
    out
}

/// (path, method, operation) for every operation; collection `POST`s first so
/// the id `1` of the other requests exists, `DELETE`s last so it still does.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((path.clone(), method.to_string(), op.clone()));
            }
        }
    }
    ops.sort_by_key(|(path, method, _)| {
        let order = match method.as_str() {
            "post" if !path.contains('{') => 0,
            "delete" => 2,
            _ => 1,
        };
        (order, path.clone())
    });
    ops
}

/// `resource("…")` routes and their methods, read from the route table.
fn served_routes() -> BTreeSet<(String, String)> {
    let table = include_str!("../../src/api/mod.rs");
    let body = table.split("pub fn configure").nth(1).unwrap_or_default();
    let (root, scoped) = body
        .split_once("web::scope(\"/api/v1\")")
        .unwrap_or((body, ""));
    let mut routes = BTreeSet::new();
    for (prefix, part) in [("", root), ("/api/v1", scoped)] {
        for chunk in part.split("resource(\"").skip(1) {
            let path = chunk.split('"').next().unwrap_or_default();
            for method in METHODS {
                if chunk.contains(&format!(".{method}(")) {
                    routes.insert((format!("{prefix}{path}"), method.to_string()));
                }
            }
        }
    }
    routes
}

async fn fetch_document(app: &TestApp) -> Value {
    let mut res = client()
        .get(app.url("/openapi.json"))
        .insert_header(("X-API-Key", KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    serde_json::from_slice(&res.body().limit(8 << 20).await.unwrap()).unwrap()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_document_describes_the_service() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1"), ("HARMONY_API_KEYS", KEY)]).await;
    let doc = fetch_document(&app).await;
    let ops = operations(&doc);
    let mut problems = Vec::new();

    let mut ids = BTreeMap::new();
    for (path, method, op) in &ops {
        match op["operationId"].as_str() {
            Some(id) => {
                if let Some(other) = ids.insert(id.to_string(), format!("{method} {path}")) {
                    problems.push(format!("operationId {id} of {method} {path} and {other}"));
                }
            }
            None => problems.push(format!("{method} {path} has no operationId")),
        }
    }

    let documented: BTreeSet<(String, String)> =
        ops.iter().map(|(p, m, _)| (p.clone(), m.clone())).collect();
    let served = served_routes();
    assert!(served.len() > 40, "route table not read: {served:?}");
    for route in served.difference(&documented) {
        problems.push(format!("{route:?} is served but not documented"));
    }
    for route in documented.difference(&served) {
        problems.push(format!("{route:?} is documented but not served"));
    }

    let public = ["/health/live", "/health/ready", "/api/v1/spotify/callback"];
    for (path, method, op) in &ops {
        let is_public = op["security"] == json!([]);
        if is_public != public.contains(&path.as_str()) {
            problems.push(format!("{method} {path}: security {}", op["security"]));
        }
        if !is_public && op["responses"].get("401").is_none() {
            problems.push(format!("{method} {path}: no 401"));
        }
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "422"] {
                if op["responses"].get(status).is_none() {
                    problems.push(format!("{method} {path}: a body but no {status}"));
                }
            }
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            let schema = &resolve(&doc, response)["content"]["application/json"]["schema"];
            let expected = match status.as_str() {
                "422" => "#/components/schemas/ValidationErrorBody",
                s if s.starts_with('4') || s.starts_with('5') => {
                    if path.starts_with("/health") {
                        continue;
                    }
                    "#/components/schemas/ErrorBody"
                }
                _ => continue,
            };
            if schema["$ref"] != expected {
                problems.push(format!("{method} {path} {status}: schema {schema}"));
            }
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            let name = param["name"].as_str().unwrap_or_default();
            let schema = resolve(&doc, &param["schema"]);
            let expected_integer = ["limit", "offset", "before_id", "id"].contains(&name)
                && !path.contains("/spotify/playlists/");
            if expected_integer && schema["type"] != "integer" {
                problems.push(format!("{method} {path}: {name} is {schema}"));
            }
            if name == "state" && !path.contains("/spotify/") {
                let items = resolve(&doc, &schema["items"]);
                if schema["type"] != "array"
                    || !items["enum"].is_array()
                    || param["style"] != "form"
                    || param["explode"] != false
                {
                    problems.push(format!("{method} {path}: state filter {param}"));
                }
            }
            if name == "type" && !schema["enum"].is_array() {
                problems.push(format!("{method} {path}: type filter {param}"));
            }
        }
    }

    for path in ["/health/live", "/health/ready"] {
        let schema =
            &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        if schema.is_null() {
            problems.push(format!("{path}: no JSON body documented"));
        }
    }
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("CreateItem", "priority"),
        ("PatchDownload", "priority"),
        ("WantedInput", "priority"),
    ] {
        let p = &schemas[schema]["properties"][field];
        if p["format"] != "int32" || p["maximum"] != json!(i32::MAX) {
            problems.push(format!("{schema}.{field} is not a 32-bit integer: {p}"));
        }
    }
    let details = &schemas["ValidationErrorDetail"]["properties"]["details"];
    if details["type"] != "array" {
        problems.push(format!("422 details is not an array: {details}"));
    }
    let import_types: BTreeSet<&str> = doc["paths"]["/api/v1/imports"]["post"]["requestBody"]
        ["content"]
        .as_object()
        .map(|c| c.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let expected: BTreeSet<&str> = [
        "application/json",
        "multipart/form-data",
        "text/plain",
        "text/csv",
    ]
    .into();
    if import_types != expected {
        problems.push(format!("/imports accepts {import_types:?}"));
    }
    for (schema, field, bound, value) in [
        ("CreateDownloads", "items", "maxItems", 500),
        ("CreateWanted", "items", "maxItems", 1000),
        ("ScoreRequest", "candidates", "maxItems", 5000),
        ("SearchRequest", "query", "maxLength", 500),
        ("CreateItem", "filename", "maxLength", 4096),
        ("WantedInput", "track_number", "maximum", 9999),
    ] {
        let p = main_branch(&doc, &schemas[schema]["properties"][field]);
        if p[bound] != json!(value) {
            problems.push(format!("{schema}.{field}: {bound} is {}", p[bound]));
        }
    }

    // Every documented path is served: another method is refused with 405, not 404.
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "1");
        let mut res = client()
            .request(
                actix_web::http::Method::from_bytes(b"TRACE").unwrap(),
                app.url(&concrete),
            )
            .insert_header(("X-API-Key", KEY))
            .send()
            .await
            .unwrap();
        let _ = res.body().await;
        if res.status().as_u16() != 405 {
            problems.push(format!(
                "{path} ({:?}): TRACE answered {}",
                item.as_object().map(|o| o.keys().collect::<Vec<_>>()),
                res.status()
            ));
        }
    }

    assert!(problems.is_empty(), "{}", problems.join("\n"));
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn generated_requests_get_documented_answers() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1"), ("HARMONY_API_KEYS", KEY)]).await;
    let doc = fetch_document(&app).await;
    let mut problems = Vec::new();
    let mut sent = 0;
    for (path, method, op) in operations(&doc) {
        for case in cases(&doc, &path, &op) {
            let what = format!("{method} {path} [{}]", case.name);
            let answer = send(&app, &method, &case).await;
            sent += 1;
            problems.extend(check_answer(&doc, &op, &what, &answer));
            if !case.valid && (200..300).contains(&answer.status) {
                problems.push(format!(
                    "{what}: an invalid request was accepted ({})",
                    answer.status
                ));
            }
        }
    }
    assert!(sent > 200, "only {sent} requests generated");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    app.app.shutdown().await;
}
