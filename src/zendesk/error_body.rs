//! Reading Zendesk's error bodies: the message of every shape Zendesk uses, the per-field
//! errors of a 422, and a one-line snippet of a body that is not JSON.

use super::FieldError;

/// The start of a body, on one line, at most 200 characters.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 200 {
        format!("{}…", joined.chars().take(200).collect::<String>())
    } else {
        joined
    }
}

/// A readable message from Zendesk's error bodies: `{"error","description"}`,
/// `{"error","message"}`, `{"error","error_description"}`, `{"error":{"title","message"}}`,
/// `{"errors":[{"code","title"}]}`.
pub(crate) fn message_of(json: &serde_json::Value) -> Option<String> {
    let text = |value: Option<&serde_json::Value>| {
        value.and_then(serde_json::Value::as_str).map(str::to_owned)
    };
    let mut parts = Vec::new();
    match json.get("error") {
        Some(serde_json::Value::String(code)) => parts.push(code.clone()),
        Some(object @ serde_json::Value::Object(_)) => {
            parts.extend(text(object.get("title")));
            parts.extend(text(object.get("message")));
        }
        _ => {}
    }
    for key in ["description", "message", "error_description"] {
        parts.extend(text(json.get(key)).filter(|t| !t.is_empty()));
    }
    if let Some(errors) = json.get("errors").and_then(serde_json::Value::as_array) {
        for error in errors {
            let code = text(error.get("code"));
            let title = text(error.get("title")).or_else(|| text(error.get("detail")));
            parts.push(match (code, title) {
                (Some(code), Some(title)) => format!("{code}: {title}"),
                (Some(one), None) | (None, Some(one)) => one,
                (None, None) => error.to_string(),
            });
        }
    }
    (!parts.is_empty()).then(|| parts.join(": "))
}

/// `details: {"email": [{"description": …, "error": …}]}`, or a string.
pub(crate) fn field_errors(details: Option<&serde_json::Value>) -> Vec<FieldError> {
    match details {
        Some(serde_json::Value::Object(fields)) => fields
            .iter()
            .flat_map(|(field, items)| {
                let items = match items {
                    serde_json::Value::Array(items) => items.clone(),
                    other => vec![other.clone()],
                };
                items.into_iter().map(move |item| FieldError {
                    field: field.clone(),
                    description: match &item {
                        serde_json::Value::String(text) => text.clone(),
                        other => other
                            .get("description")
                            .and_then(|d| d.as_str())
                            .map_or_else(|| other.to_string(), str::to_owned),
                    },
                    error: item
                        .get("error")
                        .and_then(|e| e.as_str())
                        .map(str::to_owned),
                })
            })
            .collect(),
        Some(serde_json::Value::String(text)) => {
            vec![FieldError {
                field: "base".to_owned(),
                description: text.clone(),
                error: None,
            }]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{field_errors, message_of, snippet};

    #[test]
    fn messages_from_every_error_body_shape() {
        let cases = [
            (
                r#"{"error":"RecordNotFound","description":"Not found"}"#,
                "RecordNotFound: Not found",
            ),
            (
                r#"{"error":"Forbidden","message":"You do not have access"}"#,
                "Forbidden: You do not have access",
            ),
            (
                r#"{"error":"Couldn't authenticate you"}"#,
                "Couldn't authenticate you",
            ),
            (
                r#"{"error":"invalid_token","error_description":"expired"}"#,
                "invalid_token: expired",
            ),
            (
                r#"{"errors":[{"code":"TooManyRequests","title":"Too many requests to update"}]}"#,
                "TooManyRequests: Too many requests to update",
            ),
            (
                r#"{"error":{"title":"Forbidden","message":"no"}}"#,
                "Forbidden: no",
            ),
        ];
        for (body, expected) in cases {
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(message_of(&json).as_deref(), Some(expected), "{body}");
        }
        assert_eq!(message_of(&serde_json::json!({})), None);
    }

    #[test]
    fn details_with_and_without_error_codes() {
        let with: serde_json::Value = serde_json::from_str(
            r#"{"email":[{"description":"Email: a@b.c is already being used by another user","error":"DuplicateValue"}]}"#,
        )
        .unwrap();
        let errors = field_errors(Some(&with));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "email");
        assert_eq!(errors[0].error.as_deref(), Some("DuplicateValue"));
        let without: serde_json::Value = serde_json::from_str(
            r#"{"email":[{"description":"Email: badmail is not properly formatted"}]}"#,
        )
        .unwrap();
        let errors = field_errors(Some(&without));
        assert_eq!(
            errors[0].description,
            "Email: badmail is not properly formatted"
        );
        assert_eq!(errors[0].error, None);
    }

    #[test]
    fn snippets_are_short_and_on_one_line() {
        assert_eq!(
            snippet(b"<html>\n  <body>oops</body>\n</html>"),
            "<html> <body>oops</body> </html>"
        );
        assert_eq!(snippet(&[b'x'; 500]).chars().count(), 201);
    }
}
