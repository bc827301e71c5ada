//! Environment overrides: the variables that replace one key of the file each
//! ([`ENV_OVERRIDES`]), and how a variable's value is put into the parsed TOML table before
//! validation. Reading the environment is `NodeConfig::load`'s; naming the variable in a
//! problem is `Problems`'s.

/// Environment variables that override one key of the file each: (variable, dotted key).
/// Values are TOML values when they parse as one (numbers, booleans), strings otherwise.
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("ROGATORY_NODE_ID", "node_id"),
    ("ROGATORY_LISTEN", "listen"),
    ("ROGATORY_DATA_DIR", "data_dir"),
    ("ROGATORY_LOG_LEVEL", "log_level"),
    ("ROGATORY_KEYS_SIGNING_KEY", "keys.signing_key"),
    ("ROGATORY_KEYS_TLS_CERTIFICATE", "keys.tls_certificate"),
    ("ROGATORY_KEYS_TLS_KEY", "keys.tls_key"),
    ("ROGATORY_KEYS_FEDERATION_CA", "keys.federation_ca"),
    (
        "ROGATORY_LIMITS_MAX_ENVELOPE_BYTES",
        "limits.max_envelope_bytes",
    ),
    (
        "ROGATORY_LIMITS_DELIVERY_TIMEOUT_SECONDS",
        "limits.delivery_timeout_seconds",
    ),
    (
        "ROGATORY_LIMITS_DELIVERY_ALERT_AFTER_SECONDS",
        "limits.delivery_alert_after_seconds",
    ),
    (
        "ROGATORY_LIMITS_MAX_CONCURRENT_DELIVERIES",
        "limits.max_concurrent_deliveries",
    ),
    (
        "ROGATORY_LIMITS_DISK_RESERVE_MEGABYTES",
        "limits.disk_reserve_megabytes",
    ),
    (
        "ROGATORY_LIMITS_IDLE_CONNECTION_TIMEOUT_SECONDS",
        "limits.idle_connection_timeout_seconds",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_FILE_BYTES",
        "attachments.max_file_bytes",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_TOTAL_PER_MESSAGE_BYTES",
        "attachments.max_total_per_message_bytes",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_TRANSFERS_PER_PEER",
        "attachments.max_transfers_per_peer",
    ),
    (
        "ROGATORY_ATTACHMENTS_MIN_TRANSFER_BYTES_PER_SECOND",
        "attachments.min_transfer_bytes_per_second",
    ),
    (
        "ROGATORY_ATTACHMENTS_TRANSFER_GRACE_SECONDS",
        "attachments.transfer_grace_seconds",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_UPLOAD_BYTES_IN_FLIGHT_PER_PEER",
        "attachments.max_upload_bytes_in_flight_per_peer",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_PARTIAL_BYTES_PER_PEER",
        "attachments.max_partial_bytes_per_peer",
    ),
    (
        "ROGATORY_ATTACHMENTS_PARTIAL_EXPIRY_SECONDS",
        "attachments.partial_expiry_seconds",
    ),
    (
        "ROGATORY_ALERTS_PEER_UNREACHABLE_AFTER_SECONDS",
        "alerts.peer_unreachable_after_seconds",
    ),
    (
        "ROGATORY_ALERTS_MIN_FREE_DISK_MEGABYTES",
        "alerts.min_free_disk_megabytes",
    ),
    (
        "ROGATORY_ALERTS_CERTIFICATE_EXPIRY_DAYS",
        "alerts.certificate_expiry_days",
    ),
    ("ROGATORY_METRICS_LISTEN", "metrics.listen"),
    ("ROGATORY_METRICS_ALLOW_REMOTE", "metrics.allow_remote"),
    (
        "ROGATORY_DEADLINES_ACKNOWLEDGE_DAYS",
        "deadlines.acknowledge_days",
    ),
    ("ROGATORY_DEADLINES_DECIDE_DAYS", "deadlines.decide_days"),
    ("ROGATORY_DEADLINES_EXECUTE_DAYS", "deadlines.execute_days"),
    (
        "ROGATORY_DEADLINES_URGENT_ACKNOWLEDGE_HOURS",
        "deadlines.urgent_acknowledge_hours",
    ),
    (
        "ROGATORY_DEADLINES_URGENT_DECIDE_DAYS",
        "deadlines.urgent_decide_days",
    ),
    (
        "ROGATORY_DEADLINES_URGENT_EXECUTE_DAYS",
        "deadlines.urgent_execute_days",
    ),
    (
        "ROGATORY_DIRECTORY_REFRESH_HOURS",
        "directory_refresh_hours",
    ),
];

pub(super) fn override_value(value: &str) -> toml::Value {
    // A bare TOML value (number, boolean) when it is one; anything else is taken as a string.
    let probe = format!("v = {value}");
    match toml::from_str::<toml::Table>(&probe) {
        Ok(mut table) => match table.remove("v") {
            Some(parsed @ (toml::Value::Integer(_) | toml::Value::Boolean(_))) => parsed,
            _ => toml::Value::String(value.to_owned()),
        },
        Err(_) => toml::Value::String(value.to_owned()),
    }
}

pub(super) fn set_dotted(
    table: &mut toml::Table,
    key: &str,
    value: toml::Value,
) -> Result<(), String> {
    match key.split_once('.') {
        None => {
            table.insert(key.to_owned(), value);
            Ok(())
        }
        Some((head, rest)) => {
            let inner = table
                .entry(head.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match inner {
                toml::Value::Table(inner) => set_dotted(inner, rest, value),
                _ => Err(format!("`{head}` in the file is not a table")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::NodeConfig;
    use super::super::tests::sample;

    #[test]
    fn environment_overrides_replace_keys_and_are_named_in_problems() {
        let overrides = [
            ("ROGATORY_LISTEN", "listen", "127.0.0.1:9000".to_owned()),
            (
                "ROGATORY_LIMITS_MAX_ENVELOPE_BYTES",
                "limits.max_envelope_bytes",
                "4096".to_owned(),
            ),
        ];
        let config = NodeConfig::parse_with_overrides(
            &sample(""),
            Path::new("/"),
            Path::new("x"),
            &overrides,
        )
        .expect("valid");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.max_envelope_bytes, 4096);

        let bad = [("ROGATORY_LISTEN", "listen", "nowhere".to_owned())];
        let err =
            NodeConfig::parse_with_overrides(&sample(""), Path::new("/"), Path::new("x"), &bad)
                .expect_err("invalid");
        assert!(err.to_string().contains("ROGATORY_LISTEN"), "{err}");
    }
}
