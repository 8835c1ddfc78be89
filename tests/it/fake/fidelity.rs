//! Fidelity against real recorded Zendesk exchanges (`$ZROSTER_RECORDED_DIR`).

#[tokio::test]
async fn recorded_exchanges_are_reproduced() {
    let Ok(_dir) = std::env::var(zroster::env_vars::ZROSTER_RECORDED_DIR) else {
        println!(
            "skipped: {} is not set",
            zroster::env_vars::ZROSTER_RECORDED_DIR
        );
        return;
    };
}
