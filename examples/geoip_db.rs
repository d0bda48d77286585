//! Writes a small MaxMind-format country database (.mmdb) for tests and demos: fixprov never ships
//! or downloads a real one. Each argument maps a network to an ISO 3166-1 alpha-2 code.
//!
//!     cargo run --example geoip_db -- OUT.mmdb 127.0.0.1/32=FR 127.0.0.2/32=US 2001:db8::/32=DE
//!
//! The file is written aside and renamed into place, as a venue's updater would, so an engine
//! reading it again never sees half a file.

use ipnet::IpNet;

#[derive(serde::Serialize)]
struct Country<'a> {
    iso_code: &'a str,
}

#[derive(serde::Serialize)]
struct Record<'a> {
    country: Country<'a>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, networks)) = args.split_first() else {
        eprintln!("usage: geoip_db OUT.mmdb NETWORK=CC...");
        std::process::exit(2);
    };
    let mut writer = mmdb_writer::Writer::new("GeoIP2-Country");
    for arg in networks {
        let Some((network, code)) = arg.split_once('=') else {
            eprintln!("geoip_db: {arg:?} is not NETWORK=CC");
            std::process::exit(2);
        };
        let network: IpNet = match network.parse() {
            Ok(n) => n,
            Err(e) => {
                eprintln!("geoip_db: {network:?}: {e}");
                std::process::exit(2);
            }
        };
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            eprintln!("geoip_db: {code:?} is not an ISO 3166-1 alpha-2 code");
            std::process::exit(2);
        }
        writer
            .insert(network, &Record { country: Country { iso_code: code } })
            .expect("a network the tree takes");
    }
    let tmp = format!("{out}.tmp");
    std::fs::write(&tmp, writer.to_bytes().expect("the database serializes")).expect("the file is written");
    std::fs::rename(&tmp, out).expect("the file is renamed into place");
}
