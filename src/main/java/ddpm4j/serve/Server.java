package ddpm4j.serve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ddpm4j serve}: models loaded once behind an HTTP API and a web page, on the JDK's own HTTP server
 * ({@code com.sun.net.httpserver}: no dependency, HTTP/1.1 with chunked streaming, enough for a local service).
 *
 * <pre>
 * GET  /                  the web page
 * GET  /v1/models         every model's description
 * GET  /v1/models/NAME    one model's
 * GET  /v1/stats          per model: requests taken, network batches run, images in them, requests queued
 * POST /v1/generate       {"n", "seed", "scheduler", "steps", "class", "guidance", "format", ...}
 * POST /v1/img2img        {"image": base64 PNG/JPEG, "strength", ...}
 * POST /v1/inpaint        {"image", "mask", ...}
 * </pre>
 * A request's images come back as the bytes {@code ddpm4j sample --out} writes (format png or npy; raw for
 * {@code --raw}), or as JSON with base64 PNGs, the settings and the command that makes them; {@code "stream": true}
 * sends progress lines first (ndjson). Errors are JSON: {@code {"error": "...", "field": "..."}}.
 */
public final class Server implements AutoCloseable {
    private static final String PAGE = "/ddpm4j/serve/index.html";

    private final HttpServer http;
    private final ExecutorService handlers;
    private final Map<String, ServedModel> models;
    private final Map<String, Batcher> batchers = new LinkedHashMap<>();
    private final ServeLimits limits;
    private final ObjectMapper json = JsonMapper.builder().disable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private final TaskReader reader;
    private volatile boolean closing;

    private Server(HttpServer http, Map<String, ServedModel> byName, ServeLimits limits, ddpm4j.torch.Precision precision) {
        this.http = http;
        this.limits = limits;
        for (ServedModel m : byName.values()) {
            batchers.put(m.name(), new Batcher(m, limits));
        }
        this.models = java.util.Collections.unmodifiableMap(byName);
        this.reader = new TaskReader(json, models, limits, precision);
        this.handlers = Executors.newFixedThreadPool(Math.max(8, 2 * limits.queueLimit() * byName.size()), r -> {
            Thread t = new Thread(r, "ddpm4j-serve-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
    }

    /**
     * Starts serving {@code models} on {@code host:port} (port 0: any free one).
     *
     * @throws IOException when the address cannot be bound
     */
    public static Server start(List<ServedModel> models, String host, int port, ServeLimits limits) throws IOException {
        return start(models, host, port, limits, null);
    }

    /**
     * {@link #start(List, String, int, ServeLimits)} with what a request's {@code "precision": "auto"} (its default)
     * means: {@code precision}, or the CLI's rule where null (fp32 for sampling).
     */
    public static Server start(List<ServedModel> models, String host, int port, ServeLimits limits, ddpm4j.torch.Precision precision)
            throws IOException {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("nothing to serve: no model");
        }
        Map<String, ServedModel> byName = new LinkedHashMap<>();
        for (ServedModel m : models) {
            if (byName.put(m.name(), m) != null) {
                throw new IllegalArgumentException("two models are called '" + m.name() + "'");
            }
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
        Server s = new Server(http, byName, limits, precision);
        http.start();
        return s;
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Whether every model's thread has ended (after {@link #close}): only then may the models be closed. */
    public boolean idle() {
        return batchers.values().stream().allMatch(b -> b.awaitIdle(System.nanoTime()));
    }

    /** The page's address, http://host:port/. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }

    /**
     * Stops: new requests get 503, those not yet started fail with 503, those started finish and are answered (within
     * the request time limit), then the listener closes.
     */
    @Override
    public void close() {
        closing = true;
        batchers.values().forEach(Batcher::stopTaking); // every model at once: none starts a request after the signal
        long deadline = System.nanoTime() + limits.timeout().toNanos();
        for (Batcher b : batchers.values()) {
            b.awaitIdle(deadline);
        }
        http.stop(2);
        handlers.shutdown();
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                route(ex);
            } catch (ServeError e) {
                error(ex, e);
            } catch (RuntimeException | Error e) {
                error(ex, new ServeError(500, null, "internal error: " + ServeError.firstLine(e)));
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/") || path.equals("/index.html")) {
            requireMethod(method, "GET");
            try (InputStream in = Server.class.getResourceAsStream(PAGE)) {
                if (in == null) {
                    throw new ServeError(500, null, "the page " + PAGE + " is missing from the jar");
                }
                send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
            }
            return;
        }
        if (path.equals("/v1/models")) {
            requireMethod(method, "GET");
            ArrayNode list = json.createArrayNode();
            models.values().forEach(m -> list.add(m.describe(json)));
            ObjectNode o = json.createObjectNode();
            o.set("models", list);
            ArrayNode schedulers = o.putArray("schedulers");
            for (ddpm4j.schedule.SchedulerClass c : ddpm4j.schedule.SchedulerClass.values()) {
                schedulers.add(c.alias);
            }
            sendJson(ex, 200, o);
            return;
        }
        if (path.equals("/v1/stats")) {
            requireMethod(method, "GET");
            ObjectNode o = json.createObjectNode();
            for (Map.Entry<String, Batcher> e : batchers.entrySet()) {
                long[] c = e.getValue().counts();
                ObjectNode m = o.putObject(e.getKey());
                m.put("requests", c[0]);
                m.put("batches", c[1]);
                m.put("images", c[2]);
                m.put("queued", e.getValue().load());
            }
            sendJson(ex, 200, o);
            return;
        }
        if (path.startsWith("/v1/models/")) {
            requireMethod(method, "GET");
            ServedModel m = models.get(path.substring("/v1/models/".length()));
            if (m == null) {
                throw new ServeError(404, null, "no model '" + path.substring("/v1/models/".length()) + "' here (there are " + models.keySet() + ")");
            }
            sendJson(ex, 200, m.describe(json));
            return;
        }
        for (Task.Kind kind : Task.Kind.values()) {
            if (path.equals(kind.path())) {
                requireMethod(method, "POST");
                requireSameOrigin(ex);
                run(ex, kind);
                return;
            }
        }
        throw new ServeError(404, null, "no such endpoint: " + path + " (see GET /v1/models, POST /v1/generate, /v1/img2img, /v1/inpaint)");
    }

    private void run(HttpExchange ex, Task.Kind kind) throws IOException {
        if (closing) {
            throw new ServeError(503, null, "the server is shutting down");
        }
        long start = System.nanoTime();
        Task task = reader.read(kind, body(ex));
        Batcher batcher = batchers.get(task.model().name());
        Batcher.Job job;
        try {
            job = batcher.submit(task);
        } catch (ServeError e) {
            if (e.status() == 503) {
                ex.getResponseHeaders().set("Retry-After", String.valueOf(retryAfter(batcher)));
            }
            throw e;
        }
        long deadline = start + limits.timeout().toNanos();
        try {
            if (task.stream()) {
                stream(ex, task, batcher, job, deadline, start);
                return;
            }
            float[] samples = await(batcher, job, deadline, 0);
            Results.Body body = Results.encode(task, samples, json, (System.nanoTime() - start) / 1e9);
            ex.getResponseHeaders().set("X-Ddpm4j-Command", task.command());
            send(ex, 200, body.contentType(), body.bytes());
        } catch (IOException | RuntimeException | Error e) { // the client left, or answering failed: the job is not worth finishing
            batcher.cancel(job, new ServeError(499, null, "the client closed the connection"));
            if (e instanceof ServeError s && s.status() == 503) {
                ex.getResponseHeaders().set("Retry-After", String.valueOf(retryAfter(batcher)));
            }
            throw e;
        }
    }

    /**
     * Refuses a POST a web page of another site makes (browsers name the page's origin; tools such as curl send none):
     * a service on this machine must not run what any site visited asks of it.
     */
    private static void requireSameOrigin(HttpExchange ex) {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        if (origin != null && !(host != null && (origin.equals("http://" + host) || origin.equals("https://" + host)))) {
            throw new ServeError(403, null, "requests from the page at " + origin + " are refused; only this server's own page may post");
        }
    }

    /** Progress lines, then the result (JSON) or the error, one JSON object per line. */
    private void stream(HttpExchange ex, Task task, Batcher batcher, Batcher.Job job, long deadline, long start) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        ex.getResponseHeaders().set("X-Ddpm4j-Command", task.command());
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        long last = -1;
        while (true) {
            float[] samples;
            ObjectNode result;
            try {
                samples = await(batcher, job, deadline, 250);
                result = samples == null ? null : Results.json(task, samples, json, (System.nanoTime() - start) / 1e9);
            } catch (ServeError e) {
                line(out, errorBody(e));
                return;
            }
            if (result != null) {
                line(out, result);
                return;
            }
            long done = job.done();
            if (done != last) {
                ObjectNode p = json.createObjectNode();
                p.put("done", done);
                p.put("total", job.total());
                p.put("queued", done == 0 && last <= 0);
                line(out, p);
                last = done;
            }
        }
    }

    private void line(OutputStream out, ObjectNode o) throws IOException {
        out.write((o.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * The job's samples; with {@code pollMillis} > 0 null if not done within that time.
     *
     * @throws ServeError 504 past the deadline (the job is given up), or the job's own failure
     */
    private static float[] await(Batcher batcher, Batcher.Job job, long deadline, long pollMillis) {
        long left = deadline - System.nanoTime();
        try {
            if (pollMillis > 0 && left > TimeUnit.MILLISECONDS.toNanos(pollMillis)) {
                try {
                    return job.result.get(pollMillis, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    return null;
                }
            }
            return job.result.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            ServeError timeout = new ServeError(504, null, "timed out: the request did not finish within the server's limit");
            batcher.cancel(job, timeout);
            throw timeout;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ServeError s ? s : new ServeError(500, null, "sampling failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServeError(503, null, "interrupted");
        }
    }

    /** Seconds to wait before trying again: about one batch per request ahead. */
    private static int retryAfter(Batcher batcher) {
        return Math.max(1, Math.min(60, batcher.load()));
    }

    private byte[] body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > limits.maxBodyBytes()) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw ServeError.bad(null, "bad Content-Length: " + length);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(limits.maxBodyBytes() + 1);
            if (b.length > limits.maxBodyBytes()) {
                throw tooLarge();
            }
            return b;
        }
    }

    private ServeError tooLarge() {
        return new ServeError(413, null, "the request body is larger than this server's limit of " + limits.maxBodyBytes() + " bytes");
    }

    private static void requireMethod(String method, String wanted) {
        if (!method.equals(wanted)) {
            throw new ServeError(405, null, method + " is not allowed here; use " + wanted);
        }
    }

    private ObjectNode errorBody(ServeError e) {
        ObjectNode o = json.createObjectNode();
        o.put("error", e.getMessage());
        if (e.field() != null) {
            o.put("field", e.field());
        }
        o.put("status", e.status());
        return o;
    }

    private void error(HttpExchange ex, ServeError e) throws IOException {
        if (e.status() == 405) {
            String path = ex.getRequestURI().getPath();
            ex.getResponseHeaders().set("Allow", java.util.Arrays.stream(Task.Kind.values()).anyMatch(k -> k.path().equals(path)) ? "POST" : "GET");
        }
        sendJson(ex, e.status(), errorBody(e));
    }

    private void sendJson(HttpExchange ex, int status, ObjectNode o) throws IOException {
        send(ex, status, "application/json", o.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
