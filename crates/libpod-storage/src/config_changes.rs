//! Dockerfile-style `--change` instructions (`import -c`, `commit -c`) applied to an image
//! config's `config` object.

use serde_json::{Map, Value, json};

use crate::error::{Result, StorageError};

/// Applies Dockerfile-style `--change` instructions to an image config's `config` object.
pub fn apply_changes(config: &mut Map<String, Value>, changes: &[String]) -> Result<()> {
    for change in changes {
        let badc = |reason: &str| StorageError::BadChange {
            change: change.clone(),
            reason: reason.to_string(),
        };
        let (instr, rest) = change
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| badc("expected INSTRUCTION VALUE"))?;
        let rest = rest.trim();
        let list = |shell: bool| -> Result<Value> {
            if rest.starts_with('[') {
                let v: Vec<String> = serde_json::from_str(rest)
                    .map_err(|_| badc("a JSON array of strings was expected"))?;
                Ok(json!(v))
            } else if shell {
                Ok(json!(["/bin/sh", "-c", rest]))
            } else {
                Ok(json!(rest.split_whitespace().collect::<Vec<_>>()))
            }
        };
        let unquote = |s: &str| s.trim_matches('"').to_string();
        match instr.to_ascii_uppercase().as_str() {
            "CMD" => {
                config.insert("Cmd".into(), list(true)?);
            }
            "ENTRYPOINT" => {
                config.insert("Entrypoint".into(), list(true)?);
            }
            "ENV" => {
                let pairs: Vec<(String, String)> = if rest.contains('=') {
                    rest.split_whitespace()
                        .map(|kv| {
                            kv.split_once('=')
                                .map(|(k, v)| (k.to_string(), unquote(v)))
                                .ok_or_else(|| badc("ENV takes KEY=VALUE pairs"))
                        })
                        .collect::<Result<_>>()?
                } else {
                    let (k, v) = rest
                        .split_once(char::is_whitespace)
                        .ok_or_else(|| badc("ENV takes KEY=VALUE or KEY VALUE"))?;
                    vec![(k.to_string(), v.trim().to_string())]
                };
                let env = config.entry("Env").or_insert_with(|| json!([]));
                let list = env
                    .as_array_mut()
                    .ok_or_else(|| badc("the image's Env is not a list"))?;
                for (k, v) in pairs {
                    list.retain(|e| e.as_str().is_none_or(|e| !e.starts_with(&format!("{k}="))));
                    list.push(json!(format!("{k}={v}")));
                }
            }
            "EXPOSE" => {
                let ports = config.entry("ExposedPorts").or_insert_with(|| json!({}));
                let map = ports
                    .as_object_mut()
                    .ok_or_else(|| badc("the image's ExposedPorts is not a map"))?;
                for p in rest.split_whitespace() {
                    let (num, proto) = p.split_once('/').unwrap_or((p, "tcp"));
                    if num.parse::<u16>().is_err() || !matches!(proto, "tcp" | "udp" | "sctp") {
                        return Err(badc("EXPOSE takes PORT[/tcp|udp|sctp]"));
                    }
                    map.insert(format!("{num}/{proto}"), json!({}));
                }
            }
            "LABEL" => {
                let labels = config.entry("Labels").or_insert_with(|| json!({}));
                let map = labels
                    .as_object_mut()
                    .ok_or_else(|| badc("the image's Labels is not a map"))?;
                for kv in rest.split_whitespace() {
                    let (k, v) = kv
                        .split_once('=')
                        .ok_or_else(|| badc("LABEL takes KEY=VALUE pairs"))?;
                    map.insert(unquote(k), json!(unquote(v)));
                }
            }
            "VOLUME" => {
                let vols = list(false)?;
                let map = config.entry("Volumes").or_insert_with(|| json!({}));
                let map = map
                    .as_object_mut()
                    .ok_or_else(|| badc("the image's Volumes is not a map"))?;
                for v in vols
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str())
                {
                    map.insert(v.to_string(), json!({}));
                }
            }
            "WORKDIR" => {
                config.insert("WorkingDir".into(), json!(rest));
            }
            "USER" => {
                config.insert("User".into(), json!(rest));
            }
            "STOPSIGNAL" => {
                config.insert("StopSignal".into(), json!(rest));
            }
            "ONBUILD" => {
                let triggers = config.entry("OnBuild").or_insert_with(|| json!([]));
                triggers
                    .as_array_mut()
                    .ok_or_else(|| badc("the image's OnBuild is not a list"))?
                    .push(json!(rest));
            }
            _ => {
                return Err(badc(
                    "supported: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR",
                ));
            }
        }
    }
    Ok(())
}
