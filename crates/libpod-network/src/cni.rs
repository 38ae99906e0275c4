//! Running a network's plugin chain as libcni does: each plugin gets its own config with the
//! list's `cniVersion` and `name`, the previous plugin's result as `prevResult` (on ADD) or
//! the cached final result (on CHECK and DEL), and the `runtimeConfig` entries its
//! `capabilities` ask for; DEL runs in reverse. A failed ADD is undone by a DEL of the chain.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::error::{NetworkError, Result};
use crate::types::{Attachment, Network, PortMapping};

/// One invocation's environment.
#[derive(Debug, Clone)]
pub(crate) struct Invocation<'a> {
    pub container_id: &'a str,
    pub netns: &'a Path,
    pub ifname: &'a str,
    pub plugin_dirs: &'a [PathBuf],
    /// The container's name (podman's `K8S_POD_NAME`, the name dnsname resolves).
    pub name: &'a str,
    /// Its aliases on this network (dnsname's `aliases` capability).
    pub aliases: &'a [String],
    /// Where plugins keep state of their own (dnsname's dnsmasq, through
    /// `XDG_RUNTIME_DIR`), so it stays under the runtime's run dir.
    pub run_dir: &'a Path,
    /// Addresses asked for (host-local's `IP` argument).
    pub ips: &'a [std::net::IpAddr],
    /// MAC address asked for (the bridge plugin's `MAC` argument).
    pub mac: Option<&'a str>,
}

impl Invocation<'_> {
    /// `CNI_ARGS` as podman's ocicni sets them.
    fn args(&self) -> String {
        let mut a = format!(
            "IgnoreUnknown=1;K8S_POD_NAMESPACE={n};K8S_POD_NAME={n};K8S_POD_INFRA_CONTAINER_ID={}",
            self.container_id,
            n = self.name
        );
        if !self.ips.is_empty() {
            let ips: Vec<String> = self.ips.iter().map(ToString::to_string).collect();
            a.push_str(&format!(";IP={}", ips.join(",")));
        }
        if let Some(m) = self.mac {
            a.push_str(&format!(";MAC={m}"));
        }
        a
    }
}

pub(crate) fn find_plugin(dirs: &[PathBuf], typ: &str) -> Result<PathBuf> {
    if typ.contains('/') {
        return Err(NetworkError::Invalid {
            what: format!("plugin type {typ:?}"),
            message: "must be a plain name".into(),
        });
    }
    dirs.iter()
        .map(|d| d.join(typ))
        .find(|p| p.is_file())
        .ok_or_else(|| NetworkError::PluginNotFound {
            plugin: typ.to_string(),
            dirs: dirs.to_vec(),
        })
}

/// The `runtimeConfig` a plugin asks for through its `capabilities`.
fn runtime_config(
    plugin: &Value,
    ports: &[PortMapping],
    net: &str,
    aliases: &[String],
) -> Option<Value> {
    let caps = plugin["capabilities"].as_object()?;
    let mut rc = serde_json::Map::new();
    if caps.get("aliases").and_then(Value::as_bool) == Some(true) && !aliases.is_empty() {
        rc.insert("aliases".into(), json!({ net: aliases }));
    }
    if caps.get("portMappings").and_then(Value::as_bool) == Some(true) && !ports.is_empty() {
        let mut list = Vec::new();
        for p in ports {
            for i in 0..p.range.max(1) {
                let mut m = json!({"hostPort": p.host_port + i, "containerPort": p.container_port + i, "protocol": p.protocol});
                if !p.host_ip.is_empty() {
                    m["hostIP"] = json!(p.host_ip);
                }
                list.push(m);
            }
        }
        rc.insert("portMappings".into(), json!(list));
    }
    (!rc.is_empty()).then_some(Value::Object(rc))
}

fn run_plugin(
    net: &Network,
    plugin: &Value,
    command: &str,
    inv: &Invocation<'_>,
    prev: Option<&Value>,
    ports: &[PortMapping],
) -> Result<Option<Value>> {
    let typ = plugin["type"].as_str().unwrap_or_default().to_string();
    let path = find_plugin(inv.plugin_dirs, &typ)?;
    let mut conf = plugin.clone();
    let version = net.cni.as_ref().map_or("0.4.0", |c| c.cni_version.as_str());
    conf["cniVersion"] = json!(version);
    conf["name"] = json!(net.name);
    if let Some(p) = prev {
        conf["prevResult"] = p.clone();
    }
    if let Some(rc) = runtime_config(plugin, ports, &net.name, inv.aliases) {
        conf["runtimeConfig"] = rc;
    }
    let cni_path = std::env::join_paths(inv.plugin_dirs).map_err(|e| NetworkError::Invalid {
        what: "CNI plugin dirs".into(),
        message: e.to_string(),
    })?;
    let started = std::time::Instant::now();
    let mut child = Command::new(&path)
        .env_clear()
        .env("CNI_COMMAND", command)
        .env("CNI_CONTAINERID", inv.container_id)
        .env("CNI_NETNS", inv.netns)
        .env("CNI_IFNAME", inv.ifname)
        .env("CNI_PATH", cni_path)
        .env("CNI_ARGS", inv.args())
        .env("XDG_RUNTIME_DIR", inv.run_dir)
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| NetworkError::Io {
            path: path.clone(),
            source: e,
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(conf.to_string().as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| NetworkError::Io {
        path: path.clone(),
        source: e,
    })?;
    tracing::debug!(
        plugin = %path.display(),
        command,
        container = inv.container_id,
        network = %net.name,
        ifname = inv.ifname,
        status = out.status.code(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "CNI plugin"
    );
    if out.status.success() {
        if command != "ADD" {
            return Ok(None);
        }
        let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| NetworkError::Plugin {
            plugin: typ.clone(),
            command: command.into(),
            network: net.name.clone(),
            code: 0,
            message: format!("unreadable result: {e}"),
        })?;
        return Ok(Some(v));
    }
    // A failing plugin prints a CNI error object on stdout; fall back to its stderr.
    let (code, message) = match serde_json::from_slice::<Value>(&out.stdout) {
        Ok(v) if v["msg"].is_string() => {
            let mut m = v["msg"].as_str().unwrap_or_default().to_string();
            if let Some(d) = v["details"].as_str().filter(|d| !d.is_empty()) {
                m = format!("{m}: {d}");
            }
            (v["code"].as_i64().unwrap_or(0), m)
        }
        _ => (
            i64::from(out.status.code().unwrap_or(-1)),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ),
    };
    Err(NetworkError::Plugin {
        plugin: typ,
        command: command.into(),
        network: net.name.clone(),
        code,
        message,
    })
}

fn plugins(net: &Network) -> &[Value] {
    net.cni.as_ref().map_or(&[], |c| c.plugins.as_slice())
}

/// ADD through the chain; on failure, DEL the chain (every plugin, in reverse) and fail.
pub(crate) fn add(net: &Network, inv: &Invocation<'_>, ports: &[PortMapping]) -> Result<Value> {
    let mut prev: Option<Value> = None;
    for plugin in plugins(net) {
        match run_plugin(net, plugin, "ADD", inv, prev.as_ref(), ports) {
            Ok(Some(r)) => prev = Some(r),
            Ok(None) => {}
            Err(e) => {
                let _ = del(net, inv, prev.as_ref(), ports);
                return Err(e);
            }
        }
    }
    prev.ok_or_else(|| NetworkError::Plugin {
        plugin: net.driver.clone(),
        command: "ADD".into(),
        network: net.name.clone(),
        code: 0,
        message: "no result".into(),
    })
}

/// DEL through the chain in reverse, with the cached result; every plugin runs, the first
/// error is returned.
pub(crate) fn del(
    net: &Network,
    inv: &Invocation<'_>,
    cached: Option<&Value>,
    ports: &[PortMapping],
) -> Result<()> {
    let mut first = None;
    for plugin in plugins(net).iter().rev() {
        if let Err(e) = run_plugin(net, plugin, "DEL", inv, cached, ports) {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

/// CHECK through the chain with the cached result.
pub(crate) fn check(
    net: &Network,
    inv: &Invocation<'_>,
    cached: &Value,
    ports: &[PortMapping],
) -> Result<()> {
    // dnsname 1.3's CHECK looks for its files one directory too high and always fails
    // (podman never runs CHECK); its ADD and DEL are what keep names right.
    for plugin in plugins(net).iter().filter(|p| p["type"] != "dnsname") {
        run_plugin(net, plugin, "CHECK", inv, Some(cached), ports)?;
    }
    Ok(())
}

/// What a result says about the container's interface (0.4.0 and 1.0.0 results alike).
pub(crate) fn attachment(network: &str, ifname: &str, result: &Value) -> Attachment {
    let ifaces = result["interfaces"].as_array().cloned().unwrap_or_default();
    let idx = ifaces
        .iter()
        .position(|i| i["name"] == ifname && i["sandbox"].as_str().is_some_and(|s| !s.is_empty()));
    let mut a = Attachment {
        network: network.into(),
        interface: ifname.into(),
        ..Default::default()
    };
    if let Some(i) = idx {
        a.mac = ifaces[i]["mac"].as_str().map(String::from);
    }
    for ip in result["ips"].as_array().into_iter().flatten() {
        let mine = match (ip["interface"].as_u64(), idx) {
            (Some(n), Some(i)) => n as usize == i,
            _ => true,
        };
        if mine {
            if let Some(addr) = ip["address"].as_str() {
                a.addresses.push(addr.to_string());
            }
            if a.gateway.is_none() {
                a.gateway = ip["gateway"].as_str().map(String::from);
            }
        }
    }
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    a.dns = strings(&result["dns"]["nameservers"]);
    a.search = strings(&result["dns"]["search"]);
    a
}
