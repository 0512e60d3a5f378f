//! The client the builder makes speaks TLS to `https://` URLs (rustls with
//! the ring provider), without a process-wide crypto provider installed.

use std::io::Read;
use std::time::Duration;

use avara::ErrorKind;

#[tokio::test]
async fn https_urls_get_a_tls_client_hello() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut hello = [0u8; 5];
        socket.read_exact(&mut hello).unwrap();
        hello
        // Dropping the socket ends the handshake: the client sees an error.
    });
    let client = avara::Client::builder()
        .api_key("sk_test_tls")
        .base_url(format!("https://127.0.0.1:{port}"))
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.orgs_list().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    let hello = server.join().unwrap();
    // A TLS record: content type 22 (handshake), version 3.x, then a ClientHello.
    assert_eq!(hello[0], 0x16, "not a TLS handshake: {hello:?}");
    assert_eq!(hello[1], 0x03, "not a TLS handshake: {hello:?}");
}
