package ddpm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's chromium, headless, on a page, driven over the DevTools protocol (a WebSocket on a loopback port): enough to
 * evaluate JavaScript in the page and read the result. Closing ends the browser and every process it started.
 */
final class HeadlessChromium implements AutoCloseable {
    /** Where Debian installs it ({@code apt-get install chromium}, as .ci/run does). */
    static final Path BINARY = Path.of("/usr/bin/chromium");

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final java.util.Map<Integer, CompletableFuture<JsonNode>> pending = new java.util.concurrent.ConcurrentHashMap<>();

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Opens {@code url} in a new headless browser with its own profile in {@code profile}. */
    static HeadlessChromium open(String url, Path profile) throws Exception {
        Path log = profile.resolve("chromium.log");
        Files.createDirectories(profile);
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile.resolve("profile"), url)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Matcher m = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (m == null || !m.find()) {
                if (!p.isAlive() || System.nanoTime() > until) {
                    throw new IOException("chromium did not open its DevTools port: " + Files.readString(log));
                }
                Thread.sleep(100);
                m = Pattern.compile("DevTools listening on ws://127\\.0\\.0\\.1:(\\d+)/").matcher(Files.readString(log));
            }
            int port = Integer.parseInt(m.group(1));
            HttpClient http = HttpClient.newHttpClient();
            String ws = null;
            while (ws == null) {
                if (System.nanoTime() > until) {
                    throw new IOException("chromium opened no page");
                }
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if (t.path("type").asText().equals("page")) {
                        ws = t.path("webSocketDebuggerUrl").asText();
                    }
                }
                Thread.sleep(100);
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            StringBuilder partial = new StringBuilder();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        self[0].receive(partial.toString());
                        partial.setLength(0);
                    }
                    w.request(1);
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(p, socket);
            return self[0];
        } catch (Exception | Error e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e;
        }
    }

    private void receive(String text) {
        try {
            JsonNode msg = JSON.readTree(text);
            if (msg.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                if (f != null) {
                    f.complete(msg);
                }
            }
        } catch (IOException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }

    /** The value of a JavaScript expression in the page (awaited if a promise), as JSON. */
    JsonNode evaluate(String expression) throws Exception {
        var params = JSON.createObjectNode().put("expression", expression).put("returnByValue", true).put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("the page could not evaluate " + expression + ": " + result);
        }
        return result.path("result").path("value");
    }

    /** A left click in the middle of the element {@code selector} names, as a user's mouse makes it. */
    void click(String selector) throws Exception {
        double[] r = rect(selector);
        mouse("mouseMoved", r[0] + r[2] / 2, r[1] + r[3] / 2, 0);
        mouse("mousePressed", r[0] + r[2] / 2, r[1] + r[3] / 2, 1);
        mouse("mouseReleased", r[0] + r[2] / 2, r[1] + r[3] / 2, 0);
    }

    /** A drag with the left button across the element, between two points given as fractions of its width and height. */
    void drag(String selector, double x0, double y0, double x1, double y1) throws Exception {
        double[] r = rect(selector);
        mouse("mouseMoved", r[0] + x0 * r[2], r[1] + y0 * r[3], 0);
        mouse("mousePressed", r[0] + x0 * r[2], r[1] + y0 * r[3], 1);
        for (int k = 1; k <= 20; k++) {
            mouse("mouseMoved", r[0] + (x0 + (x1 - x0) * k / 20) * r[2], r[1] + (y0 + (y1 - y0) * k / 20) * r[3], 1);
        }
        mouse("mouseReleased", r[0] + x1 * r[2], r[1] + y1 * r[3], 0);
    }

    /** Chooses {@code file} in the file input {@code selector} names, as the file dialog would. */
    void upload(String selector, Path file) throws Exception {
        int root = call("DOM.getDocument", JSON.createObjectNode()).path("root").path("nodeId").asInt();
        int node = call("DOM.querySelector", JSON.createObjectNode().put("nodeId", root).put("selector", selector)).path("nodeId").asInt();
        var params = JSON.createObjectNode().put("nodeId", node);
        params.putArray("files").add(file.toAbsolutePath().toString());
        call("DOM.setFileInputFiles", params);
    }

    /** Types into a field as a user: focus, select all, then the text. */
    void type(String selector, String text) throws Exception {
        evaluate("(() => { const e = document.querySelector('" + selector + "'); e.focus(); e.select(); })()");
        call("Input.insertText", JSON.createObjectNode().put("text", text));
    }

    private double[] rect(String selector) throws Exception {
        JsonNode r = evaluate("(() => { const e = document.querySelector('" + selector + "'); e.scrollIntoView({block: 'center'});"
                + " const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()");
        return new double[] {r.get(0).asDouble(), r.get(1).asDouble(), r.get(2).asDouble(), r.get(3).asDouble()};
    }

    private void mouse(String type, double x, double y, int buttons) throws Exception {
        call("Input.dispatchMouseEvent", JSON.createObjectNode().put("type", type).put("x", x).put("y", y).put("button", "left")
                .put("buttons", buttons).put("clickCount", type.equals("mouseMoved") ? 0 : 1));
    }

    /** The page as it looks, a PNG of {@code width}×{@code height} CSS pixels. */
    byte[] screenshot(int width, int height) throws Exception {
        call("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", width).put("height", height)
                .put("deviceScaleFactor", 1).put("mobile", false));
        return java.util.Base64.getDecoder().decode(call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")).path("data").asText());
    }

    /** One DevTools protocol call: its result. */
    private JsonNode call(String method, com.fasterxml.jackson.databind.node.ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        var request = JSON.createObjectNode();
        request.put("id", id);
        request.put("method", method);
        request.set("params", params);
        socket.sendText(request.toString(), true).get(30, TimeUnit.SECONDS);
        JsonNode msg = answer.get(60, TimeUnit.SECONDS);
        if (msg.has("error")) {
            throw new IllegalStateException(method + " failed: " + msg);
        }
        return msg.path("result");
    }

    /** Waits until {@code expression} is true in the page, at most {@code seconds}. */
    void await(String expression, int seconds) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!evaluate("Boolean(" + expression + ")").asBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("the page never reached " + expression + "; its body: "
                        + evaluate("JSON.stringify(document.body.dataset) + ' ' + document.getElementById('status').textContent"));
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() throws Exception {
        socket.abort();
        java.util.List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
