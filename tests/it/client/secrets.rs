//! The token never shows in errors, settings, clients or stats.

use serde_json::json;
use zroster::fake::Knobs;
use zroster::zendesk::{Auth, ConnectionSettings, ReadClient, Secret, WriteClient};

use super::{emulator, settings, simple};

const CANARY: &str = "canary-token-4f1b9e";

#[tokio::test]
async fn the_token_appears_in_no_formatted_output() {
    let handle = emulator(
        1,
        0,
        Knobs {
            fault_5xx: 1.0,
            ..simple()
        },
    )
    .await;
    let mut settings = settings(&handle, CANARY);
    settings.max_attempts = 2;
    let client = WriteClient::connect(settings.clone()).unwrap();
    let mut outputs = vec![
        format!("{settings:?}"),
        format!("{settings:#?}"),
        format!("{client:?}"),
        format!("{:?}", client.read_only()),
    ];
    // 401s, anonymous, retries exhausted, outcome unknown: every error, both formats.
    let errors = vec![
        client.me().await.unwrap_err(),
        client.users().collect_all().await.unwrap_err(),
        client
            .create_user(json!({"name": "x"}).as_object().unwrap())
            .await
            .unwrap_err(),
    ];
    for error in &errors {
        outputs.push(format!("{error}"));
        outputs.push(format!("{error:?}"));
    }
    outputs.push(format!("{:?}", client.stats()));
    outputs.push(serde_json::to_string(&client.stats()).unwrap());

    let oauth = ConnectionSettings::new(
        handle.base_url(),
        Auth::OAuth {
            token: Secret::new(CANARY),
        },
    )
    .unwrap();
    outputs.push(format!("{oauth:?}"));
    let reader = ReadClient::connect(oauth).unwrap();
    outputs.push(format!("{reader:?}"));
    let basic_encoded = base64_of(&format!("admin@example.com/token:{CANARY}"));
    for output in &outputs {
        assert!(!output.contains(CANARY), "token leaked: {output}");
        assert!(
            !output.contains(&basic_encoded),
            "encoded token leaked: {output}"
        );
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
