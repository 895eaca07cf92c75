//! Abuse resistance over real loopback TCP: timeouts, the connection cap, and bodies that are
//! refused before they are read. Timeouts are set short in the config; assertions only say
//! that something happens before the generous read bound in `common::raw`, never how fast.

use crate::common::{authority, client, raw, read_until_closed, status_of, Env};
use ferry_sandbox::{Profile, SandboxConfig, WireLimits};
use std::io::{Read, Write};
use std::time::Duration;

fn with_wire(wire: WireLimits) -> SandboxConfig {
    SandboxConfig {
        wire,
        ..SandboxConfig::for_profile(Profile::Fast)
    }
}

fn short_timeouts() -> WireLimits {
    WireLimits {
        header_read_timeout: Duration::from_millis(300),
        body_stall_timeout: Duration::from_millis(300),
        ..WireLimits::default()
    }
}

/// A POST head to the Web API announcing `length` body bytes, with `auth` lines, then CRLFCRLF.
fn post_head(env: &Env, path: &str, length: u64, auth: &str) -> String {
    format!(
        "POST /api/data/v9.2/{path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n{auth}\r\n",
        authority(&env.sb)
    )
}

/// Reads one response head (up to the blank line) and returns it.
fn read_head(stream: &mut std::net::TcpStream) -> String {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"\r\n\r\n") {
        let n = stream
            .read(&mut byte)
            .expect("the sandbox answers before the bound");
        assert!(n > 0, "the sandbox answered before closing: {out:?}");
        out.push(byte[0]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_stalled_request_head_is_closed_after_the_header_timeout() {
    let env = Env::with(with_wire(short_timeouts())).await;
    let mut stream = raw(&env.sb);
    stream
        .write_all(b"GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nHo")
        .expect("half a head is sent");
    let closed = read_until_closed(&mut stream);
    assert!(
        closed.is_ok(),
        "a connection that never finishes its head is closed: {closed:?}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_timeout() {
    let env = Env::with(with_wire(short_timeouts())).await;
    let mut stream = raw(&env.sb);
    let request = format!(
        "GET /{}/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: {}\r\n\r\n",
        env.sb.tenant,
        authority(&env.sb)
    );
    stream.write_all(request.as_bytes()).expect("sent");
    let answer = read_until_closed(&mut stream);
    let answer = answer.expect("after answering, the idle connection is closed");
    assert_eq!(
        status_of(&answer),
        200,
        "the request itself was answered: {answer}"
    );
}

#[tokio::test]
async fn many_idle_connections_do_not_stop_a_real_client_from_being_served() {
    let env = Env::with(with_wire(WireLimits {
        max_connections: 4,
        ..short_timeouts()
    }))
    .await;
    let idle: Vec<_> = (0..24).map(|_| raw(&env.sb)).collect();
    let fresh = client(&env.sb);
    let r = fresh
        .get(env.api("WhoAmI"))
        .bearer_auth(&env.token)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("a real client is served while idle connections crowd the sandbox");
    assert_eq!(r.status().as_u16(), 200, "WhoAmI answers");
    drop(idle);
}

#[tokio::test]
async fn an_unauthenticated_50_mb_upload_is_refused_before_its_body_is_read() {
    let env = Env::fast().await;
    let mut stream = raw(&env.sb);
    let head = post_head(&env, "contacts", 50 * 1024 * 1024, "");
    stream.write_all(head.as_bytes()).expect("the head is sent");
    stream
        .write_all(&vec![b' '; 64 * 1024])
        .expect("the start of the body is sent");
    let answer = read_head(&mut stream);
    assert_eq!(
        status_of(&answer),
        401,
        "without a token the upload is refused without waiting for its 50 MB: {answer}"
    );
    let admin = format!(
        "POST /_sandbox/faults HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
        authority(&env.sb),
        50 * 1024 * 1024
    );
    let mut stream = raw(&env.sb);
    stream
        .write_all(admin.as_bytes())
        .expect("the head is sent");
    let answer = read_head(&mut stream);
    assert_eq!(
        status_of(&answer),
        401,
        "without the admin key an admin upload is refused unread: {answer}"
    );
}

#[tokio::test]
async fn a_body_announced_as_200_mb_gets_413_without_being_sent() {
    let env = Env::fast().await;
    let mut stream = raw(&env.sb);
    let auth = format!("Authorization: Bearer {}\r\n", env.token);
    let head = post_head(&env, "contacts", 200 * 1024 * 1024, &auth);
    stream.write_all(head.as_bytes()).expect("the head is sent");
    let answer = read_until_closed(&mut stream).expect("answered and closed");
    assert_eq!(
        status_of(&answer),
        413,
        "over the cap is refused at once: {answer}"
    );
    assert!(
        answer.contains("\"error\":{"),
        "the 413 has a Dataverse error body: {answer}"
    );
}

#[tokio::test]
async fn a_body_that_stalls_is_given_up_on() {
    let env = Env::with(with_wire(short_timeouts())).await;
    let mut stream = raw(&env.sb);
    let auth = format!("Authorization: Bearer {}\r\n", env.token);
    let head = post_head(&env, "contacts", 1000, &auth);
    stream.write_all(head.as_bytes()).expect("the head is sent");
    stream
        .write_all(b"{\"lastname\":")
        .expect("part of the body is sent");
    let answer = read_until_closed(&mut stream).expect("answered and closed");
    assert_eq!(
        status_of(&answer),
        408,
        "a stalled body times out: {answer}"
    );
}

#[tokio::test]
async fn bodies_in_flight_share_one_memory_budget() {
    let env = Env::with(with_wire(WireLimits {
        body_budget: 1024 * 1024,
        ..WireLimits::default()
    }))
    .await;
    let auth = format!("Authorization: Bearer {}\r\n", env.token);
    let mut first = raw(&env.sb);
    let head = post_head(&env, "contacts", 800 * 1024, &auth);
    first.write_all(head.as_bytes()).expect("the head is sent");
    let mut held = 0;
    for _ in 0..1000 {
        held = env.admin("stats").await["bodyBytesHeld"]
            .as_u64()
            .unwrap_or(0);
        if held > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        held,
        800 * 1024,
        "the first body's announced size is reserved"
    );
    let mut second = raw(&env.sb);
    second.write_all(head.as_bytes()).expect("the head is sent");
    let answer = read_until_closed(&mut second).expect("answered and closed");
    assert_eq!(
        status_of(&answer),
        503,
        "a second body that would pass the shared budget is refused at once: {answer}"
    );
    drop(first);
}

#[tokio::test]
async fn a_client_that_never_completes_the_tls_handshake_is_closed() {
    let env = Env::with(SandboxConfig {
        https: true,
        wire: WireLimits {
            tls_handshake_timeout: Duration::from_millis(300),
            ..WireLimits::default()
        },
        ..SandboxConfig::for_profile(Profile::Fast)
    })
    .await;
    let addr = env.sb.base_url.trim_start_matches("https://");
    let mut stream = std::net::TcpStream::connect(addr).expect("the sandbox accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a read bound");
    // NOTE: the first bytes of a TLS record header, then nothing.
    stream.write_all(&[0x16, 0x03, 0x01]).expect("sent");
    let closed = read_until_closed(&mut stream);
    assert!(
        closed.is_ok(),
        "a stalled handshake is closed before the bound: {closed:?}"
    );
}
