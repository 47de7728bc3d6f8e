package ddpm4j.data;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Downloads against a local HTTP server (this machine has no internet). */
class DownloadsTest {
    @TempDir
    Path dir;

    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    HttpServer server;

    String serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = served.get(exchange.getRequestURI().getPath());
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        System.clearProperty("ddpm4j.mirror");
        System.clearProperty("ddpm4j.cache");
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void verifiedFilesAreKeptAndCorruptOnesLeaveNothing() throws Exception {
        String base = serve();
        byte[] good = "payload".getBytes();
        served.put("/f.bin", good);
        HttpClient http = HttpClient.newHttpClient();
        Path got = Downloads.fetch(new Downloads.Source("f.bin", List.of(base + "/missing", base + "/f.bin"), sha256(good), false),
                dir, http);
        assertArrayEquals(good, Files.readAllBytes(got), "the second source after a 404");

        served.put("/g.bin", "tampered".getBytes());
        var bad = new Downloads.Source("g.bin", List.of(base + "/g.bin"), sha256(good), false);
        var e = assertThrows(java.io.IOException.class, () -> Downloads.fetch(bad, dir, http));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("f.bin"), files.map(p -> p.getFileName().toString()).toList(), "no partial file");
        }
    }

    @Test
    void namedDatasetsDownloadIntoTheCacheWhenMissing() throws Exception {
        // No file with the official SHA-256 can be made here: the mirror serves another IDX file, which
        // DataSpecs must fetch (it is requested from the mirror) and then refuse.
        String base = serve();
        System.setProperty("ddpm4j.mirror", base);
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(gz)) {
            out.write(DataSpecsTest.idx(0x803, 1, 2, 2, new byte[4]));
        }
        served.put("/mnist/t10k-images-idx3-ubyte.gz", gz.toByteArray());
        var e = assertThrows(java.io.IOException.class, () -> DataSpecs.load("mnist:test", dir.resolve("none")));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("cache/datasets/mnist/t10k-images-idx3-ubyte.gz")));
    }
}
