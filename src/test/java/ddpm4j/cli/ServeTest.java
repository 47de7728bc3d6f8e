package ddpm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.serve.ServeLimits;
import ddpm4j.serve.ServedModel;
import ddpm4j.serve.Server;
import ddpm4j.torch.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve} through a real HTTP client on a loopback port: the CLI's bytes for the same request, batching of
 * concurrent requests without changing their images, limits, errors, streaming, shutdown, and the command itself as a
 * process stopped by SIGTERM. Every server is closed and every process ended by the test that starts it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ServeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    static Path dir;

    private static Path tiny;
    private static Path conditional;

    @BeforeAll
    static void models() throws IOException {
        Main.loadNatives();
        UNetConfig base = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0);
        tiny = dir.resolve("tiny");
        conditional = dir.resolve("conditional");
        try (UNet2DModel m = new UNet2DModel(base, 3); UNet2DModel c = new UNet2DModel(base.withClassEmbeds(4), 4)) {
            ModelDirectory.save(tiny, m, SchedulerConfig.paper());
            ModelDirectory.save(conditional, c, SchedulerConfig.paper());
        }
    }

    private static final List<Model> LOADED = new ArrayList<>();

    @AfterAll
    static void close() {
        LOADED.forEach(Model::close);
    }

    private static ServedModel served(String name, Path model) throws IOException {
        Model m = ModelOption.load(model, Device.CPU);
        LOADED.add(m);
        return new ServedModel(name, model.toString(), m);
    }

    private static Server start(ServeLimits limits, ServedModel... models) throws IOException {
        return Server.start(List.of(models), "127.0.0.1", 0, limits);
    }

    private static HttpResponse<byte[]> post(Server s, String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url()).resolve(path)).timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static CompletableFuture<HttpResponse<byte[]>> postAsync(Server s, String path, String body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(URI.create(s.url()).resolve(path)).timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> get(Server s, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url()).resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static byte[] cli(Path out, String... args) throws IOException {
        Cli r = Cli.run(args);
        assertEquals(0, r.exit, r.toString());
        return Files.readAllBytes(out);
    }

    private static JsonNode stats(Server s, String model) throws Exception {
        return json(get(s, "/v1/stats")).get(model);
    }

    /** Waits until {@code n} requests are queued or running for the model. */
    private static void awaitQueued(Server s, String model, int n) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (stats(s, model).get("queued").asInt() < n) {
            assertTrue(System.nanoTime() < until, "the requests were not queued: " + stats(s, model));
            Thread.sleep(20);
        }
    }

    /** A request that keeps the tiny model's thread busy for a while: 16 images of Algorithm 2 over all 1,000 steps. */
    private static final String SLOW = "{\"n\": 16, \"scheduler\": \"ddpm\", \"format\": \"npy\"}";

    /** The network batches {@link #SLOW} runs in (the default batch of 16 images). */
    private static final int SLOW_BATCHES = 1;

    @Test
    void generateGivesTheBytesSampleWrites() throws Exception {
        try (Server s = start(ServeLimits.DEFAULT, served("fashion-mnist", Path.of("fashion-mnist")))) {
            HttpResponse<byte[]> r = post(s, "/v1/generate", "{\"n\": 4, \"seed\": 1, \"steps\": 10, \"format\": \"npy\"}");
            assertEquals(200, r.statusCode(), new String(r.body()));
            Path npy = dir.resolve("acceptance.npy");
            assertArrayEquals(cli(npy, "sample", "--model", "fashion-mnist", "--n", "4", "--seed", "1", "--steps", "10", "--out", npy.toString()), r.body());
            String command = r.headers().firstValue("X-Ddpm4j-Command").orElseThrow();
            assertTrue(command.startsWith("ddpm4j sample --model fashion-mnist --seed 1") && command.contains("--steps 10 --n 4"), command);

            Path png = dir.resolve("grid.png");
            r = post(s, "/v1/generate", "{\"n\": 3, \"seed\": 2, \"scheduler\": \"ddim\", \"steps\": 5, \"format\": \"png\"}");
            assertEquals("image/png", r.headers().firstValue("Content-Type").orElseThrow());
            assertArrayEquals(cli(png, "sample", "--model", "fashion-mnist", "--n", "3", "--seed", "2", "--scheduler", "ddim", "--steps", "5",
                    "--out", png.toString()), r.body());

            r = post(s, "/v1/generate", "{\"n\": 1, \"steps\": 2, \"stream\": false}");
            assertEquals("image/png", r.headers().firstValue("Content-Type").orElseThrow(), "without stream, the default format is png");

            Path raw = dir.resolve("raw.npy");
            r = post(s, "/v1/generate", "{\"n\": 2, \"seed\": 3, \"steps\": 4, \"set\": {\"use_karras_sigmas\": true}, \"format\": \"raw\"}");
            assertArrayEquals(cli(raw, "sample", "--model", "fashion-mnist", "--n", "2", "--seed", "3", "--steps", "4", "--set",
                    "use_karras_sigmas=true", "--raw", "--out", raw.toString()), r.body());
        }
    }

    @Test
    void concurrentRequestsShareNetworkCallsAndEachGetsItsOwnImages() throws Exception {
        try (Server s = start(ServeLimits.DEFAULT, served("tiny", tiny))) {
            CompletableFuture<HttpResponse<byte[]>> slow = postAsync(s, "/v1/generate", SLOW);
            awaitQueued(s, "tiny", 1);
            List<CompletableFuture<HttpResponse<byte[]>>> four = new ArrayList<>();
            for (int seed = 1; seed <= 4; seed++) {
                four.add(postAsync(s, "/v1/generate", "{\"n\": 2, \"seed\": " + seed + ", \"scheduler\": \"ddim\", \"steps\": 10, \"format\": \"npy\"}"));
            }
            awaitQueued(s, "tiny", 5);
            assertTrue(!slow.isDone(), "the slow request ended before the others queued; the test needs it slower");
            assertEquals(200, slow.get().statusCode());
            for (int seed = 1; seed <= 4; seed++) {
                HttpResponse<byte[]> r = four.get(seed - 1).get();
                assertEquals(200, r.statusCode(), new String(r.body()));
                Path out = dir.resolve("tiny-" + seed + ".npy");
                assertArrayEquals(cli(out, "sample", "--model", tiny.toString(), "--n", "2", "--seed", String.valueOf(seed), "--scheduler", "ddim",
                        "--steps", "10", "--out", out.toString()), r.body(), "seed " + seed);
            }
            JsonNode st = stats(s, "tiny");
            assertEquals(5, st.get("requests").asInt());
            assertEquals(SLOW_BATCHES + 1, st.get("batches").asInt(), "the four requests waiting together ran as one batch: " + st);
            assertEquals(16 + 8, st.get("images").asInt());
        }
    }

    @Test
    void classesAndGuidanceAreEachRequestsOwnInASharedBatch() throws Exception {
        try (Server s = start(ServeLimits.DEFAULT, served("c", conditional))) {
            CompletableFuture<HttpResponse<byte[]>> slow = postAsync(s, "/v1/generate", SLOW);
            awaitQueued(s, "c", 1);
            CompletableFuture<HttpResponse<byte[]>> a = postAsync(s, "/v1/generate",
                    "{\"n\": 3, \"seed\": 5, \"class\": 2, \"guidance\": 2.0, \"scheduler\": \"ddim\", \"steps\": 6, \"format\": \"npy\"}");
            CompletableFuture<HttpResponse<byte[]>> b = postAsync(s, "/v1/generate",
                    "{\"n\": 3, \"seed\": 6, \"class\": [0, 1], \"guidance\": 2.0, \"scheduler\": \"ddim\", \"steps\": 6, \"format\": \"npy\"}");
            awaitQueued(s, "c", 3);
            assertTrue(!slow.isDone(), "the slow request ended before the others queued; the test needs it slower");
            assertEquals(200, slow.get().statusCode());
            Path outA = dir.resolve("class-a.npy");
            Path outB = dir.resolve("class-b.npy");
            assertArrayEquals(cli(outA, "sample", "--model", conditional.toString(), "--n", "3", "--seed", "5", "--class", "2", "--guidance", "2",
                    "--scheduler", "ddim", "--steps", "6", "--out", outA.toString()), a.get().body());
            assertArrayEquals(cli(outB, "sample", "--model", conditional.toString(), "--n", "3", "--seed", "6", "--class", "0,1", "--guidance", "2",
                    "--scheduler", "ddim", "--steps", "6", "--out", outB.toString()), b.get().body());
            assertEquals(SLOW_BATCHES + 1, stats(s, "c").get("batches").asInt());
        }
    }

    @Test
    void editsGiveTheEditCommandsImages() throws Exception {
        Path image = dir.resolve("in.png");
        Path mask = dir.resolve("mask.png");
        BufferedImage in = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage m = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                in.getRaster().setSample(x, y, 0, (x * 37 + y * 11) % 256);
                m.getRaster().setSample(x, y, 0, x < 4 ? 255 : 0);
            }
        }
        ImageIO.write(in, "png", image.toFile());
        ImageIO.write(m, "png", mask.toFile());
        String in64 = Base64.getEncoder().encodeToString(Files.readAllBytes(image));
        String mask64 = "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(mask));
        try (Server s = start(ServeLimits.DEFAULT, served("tiny", tiny))) {
            HttpResponse<byte[]> r = post(s, "/v1/img2img", "{\"image\": \"" + in64 + "\", \"strength\": 0.6, \"steps\": 10, \"seed\": 3, \"format\": \"npy\"}");
            assertEquals(200, r.statusCode(), new String(r.body()));
            Path out = dir.resolve("img2img.npy");
            assertArrayEquals(cli(out, "edit", "img2img", "--model", tiny.toString(), "--image", image.toString(), "--strength", "0.6", "--steps", "10",
                    "--seed", "3", "--out", out.toString()), r.body());

            Path wide = dir.resolve("wide.png");
            BufferedImage w = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 12; y++) {
                for (int x = 0; x < 20; x++) {
                    w.setRGB(x, y, (x * 13 % 256) << 16 | (y * 21 % 256) << 8 | (x * y % 256));
                }
            }
            ImageIO.write(w, "png", wide.toFile());
            r = post(s, "/v1/img2img", "{\"image\": \"" + Base64.getEncoder().encodeToString(Files.readAllBytes(wide))
                    + "\", \"strength\": 0.5, \"steps\": 6, \"seed\": 5, \"format\": \"npy\"}");
            assertEquals(200, r.statusCode(), new String(r.body()));
            Path resized = dir.resolve("img2img-wide.npy");
            assertArrayEquals(cli(resized, "edit", "img2img", "--model", tiny.toString(), "--image", wide.toString(), "--strength", "0.5", "--steps", "6",
                    "--seed", "5", "--out", resized.toString()), r.body(), "a colour 20x12 upload is cropped, resized and made gray as the CLI reads it");

            r = post(s, "/v1/inpaint", "{\"image\": \"" + in64 + "\", \"mask\": \"" + mask64 + "\", \"steps\": 10, \"jump_length\": 2,"
                    + " \"jump_n_sample\": 2, \"seed\": 4, \"format\": \"npy\"}");
            assertEquals(200, r.statusCode(), new String(r.body()));
            Path inpainted = dir.resolve("inpaint.npy");
            assertArrayEquals(cli(inpainted, "edit", "inpaint", "--model", tiny.toString(), "--image", image.toString(), "--mask", mask.toString(),
                    "--steps", "10", "--jump-length", "2", "--jump-n-sample", "2", "--seed", "4", "--out", inpainted.toString()), r.body());
        }
    }

    @Test
    void badRequestsAre400sNamingTheField() throws Exception {
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(12, 10, BufferedImage.TYPE_BYTE_GRAY), "png", big);
        String wrongSize = Base64.getEncoder().encodeToString(big.toByteArray());
        ByteArrayOutputStream ok = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png", ok);
        String image = Base64.getEncoder().encodeToString(ok.toByteArray());
        String[][] cases = {
                {"/v1/generate", "{\"n\": 4,", null},
                {"/v1/generate", "[1, 2]", null},
                {"/v1/generate", "{\"n\": \"four\"}", "n"},
                {"/v1/generate", "{\"n\": 0}", "n"},
                {"/v1/generate", "{\"n\": 1000}", "n"},
                {"/v1/generate", "{\"eta\": NaN}", null},
                {"/v1/generate", "{\"n\": 1} {\"n\": 2}", null},
                {"/v1/generate", "{\"n\": 1, \"n\": 2}", null},
                {"/v1/generate", "{\"scheduler\": \"ddim\", \"eta\": 1e400}", "eta"},
                {"/v1/generate", "{\"stream\": true, \"format\": \"npy\"}", "stream"},
                {"/v1/generate", "{\"set\": {\"solver_order\": \"x\"}}", "set"},
                {"/v1/generate", "{\"seed\": 1.5}", "seed"},
                {"/v1/generate", "{\"scheduler\": \"flow-match\"}", "scheduler"},
                {"/v1/generate", "{\"steps\": 0}", "steps"},
                {"/v1/generate", "{\"steps\": 1001}", "steps"},
                {"/v1/generate", "{\"scheduler\": \"dpmsolver\", \"eta\": 0.5}", "eta"},
                {"/v1/generate", "{\"set\": {\"no_such_key\": 1}}", "set"},
                {"/v1/generate", "{\"set\": 3}", "set"},
                {"/v1/generate", "{\"spacing\": \"sideways\"}", "spacing"},
                {"/v1/generate", "{\"steps\": 5, \"timesteps\": [3, 1]}", "steps"},
                {"/v1/generate", "{\"guidance\": 2}", "guidance"},
                {"/v1/generate", "{\"model\": \"c\", \"guidance\": 1e400}", "guidance"},
                {"/v1/generate", "{\"model\": \"c\", \"class\": 3}", "class"},
                {"/v1/generate", "{\"class\": 1}", "class"},
                {"/v1/generate", "{\"format\": \"gif\"}", "format"},
                {"/v1/generate", "{\"precision\": \"fp8\"}", "precision"},
                {"/v1/generate", "{\"model\": \"other\"}", "model"},
                {"/v1/generate", "{\"colour\": 1}", "colour"},
                {"/v1/generate", "{\"stream\": \"yes\"}", "stream"},
                {"/v1/img2img", "{\"image\": \"!!!\", \"strength\": 0.5}", "image"},
                {"/v1/img2img", "{\"image\": \"aGVsbG8=\", \"strength\": 0.5}", "image"},
                {"/v1/img2img", "{\"image\": \"" + image + "\"}", "strength"},
                {"/v1/img2img", "{\"image\": \"" + image + "\", \"strength\": 1.5}", "strength"},
                {"/v1/img2img", "{\"image\": \"" + image + "\", \"strength\": 1e400}", "strength"},
                {"/v1/inpaint", "{\"image\": \"" + image + "\"}", "mask"},
                {"/v1/inpaint", "{\"image\": \"" + image + "\", \"mask\": \"" + wrongSize + "\"}", "mask"},
                {"/v1/inpaint", "{\"image\": \"" + image + "\", \"mask\": \"" + image + "\", \"jump_length\": 0}", "jump_length"},
                {"/v1/inpaint", "{\"image\": \"" + image + "\", \"mask\": \"" + image + "\", \"steps\": 1000, \"jump_length\": 1,"
                        + " \"jump_n_sample\": 5000}", "jump_n_sample"},
                {"/v1/inpaint", "{\"image\": \"" + image + "\", \"mask\": \"" + image + "\", \"strength\": 0.5}", "strength"},
        };
        try (Server s = start(ServeLimits.DEFAULT.withQueueLimit(1), served("tiny", tiny), served("c", conditional))) {
            for (String[] c : cases) {
                if (!c[1].contains("\"model\"") && c[1].startsWith("{\"") && !c[1].contains("} {")) {
                    c[1] = "{\"model\": \"tiny\", " + c[1].substring(1);
                }
                HttpResponse<byte[]> r = post(s, c[0], c[1]);
                String body = new String(r.body());
                assertEquals(400, r.statusCode(), c[1] + " -> " + body);
                JsonNode e = json(r);
                assertTrue(e.get("error").isTextual() && !e.get("error").asText().isBlank(), body);
                assertEquals(c[2], e.has("field") ? e.get("field").asText() : null, c[1] + " -> " + body);
                assertTrue(e.get("error").asText().lines().count() == 1, body);
            }
            HttpResponse<byte[]> foreign = HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + "v1/generate"))
                    .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString("{\"n\": 1}")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(403, foreign.statusCode(), "a POST from another site's page");
            HttpResponse<byte[]> wrongMethod = get(s, "/v1/generate");
            assertEquals(405, wrongMethod.statusCode());
            assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElseThrow());
            assertEquals(404, get(s, "/v1/nothing").statusCode());
            assertEquals(404, get(s, "/v1/models/nothing").statusCode());
            assertEquals(0, stats(s, "tiny").get("requests").asInt(), "no bad request reached the model");
        }
        try (Server s = start(new ServeLimits(4, 100, 1000, 4, 4, Duration.ofMinutes(1)), served("tiny", tiny))) {
            assertEquals(413, post(s, "/v1/img2img", "{\"image\": \"" + "A".repeat(2000) + "\", \"strength\": 0.5}").statusCode());
            JsonNode e = json(post(s, "/v1/generate", "{\"n\": 5}"));
            assertEquals("n", e.get("field").asText());
            e = json(post(s, "/v1/generate", "{\"n\": 1, \"scheduler\": \"ddpm\"}"));
            assertEquals("steps", e.get("field").asText(), e.toString()); // 1,000 passes, more than this server's 100
        }
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndALateRequest504() throws Exception {
        String slower = SLOW.replace("\"n\": 16", "\"n\": 64"); // four batches: well past the one-second limit on any CPU
        try (Server s = start(ServeLimits.DEFAULT.withQueueLimit(2).withTimeout(Duration.ofSeconds(1)), served("tiny", tiny))) {
            CompletableFuture<HttpResponse<byte[]>> slow = postAsync(s, "/v1/generate", slower);
            CompletableFuture<HttpResponse<byte[]>> second = postAsync(s, "/v1/generate", slower);
            awaitQueued(s, "tiny", 2);
            HttpResponse<byte[]> third = post(s, "/v1/generate", "{\"n\": 1, \"steps\": 2}");
            assertEquals(503, third.statusCode(), new String(third.body()));
            assertTrue(Integer.parseInt(third.headers().firstValue("Retry-After").orElseThrow()) >= 1);
            assertTrue(json(third).get("error").asText().startsWith("busy"));
            assertEquals(504, slow.get().statusCode(), "the slow request outlived the one-second limit");
            assertEquals(504, second.get().statusCode());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (stats(s, "tiny").get("queued").asInt() > 0) {
                assertTrue(System.nanoTime() < until, "the timed-out requests never left the queue");
                Thread.sleep(50);
            }
            assertEquals(200, post(s, "/v1/generate", "{\"n\": 1, \"steps\": 2}").statusCode(), "the server recovers");
        }
    }

    @Test
    void streamingSendsProgressThenTheImagesAndTheirCommand() throws Exception {
        try (Server s = start(ServeLimits.DEFAULT, served("tiny", tiny))) {
            HttpResponse<byte[]> r = post(s, "/v1/generate", "{\"n\": 16, \"scheduler\": \"ddpm\", \"seed\": 7, \"stream\": true}");
            assertEquals("application/x-ndjson", r.headers().firstValue("Content-Type").orElseThrow());
            List<String> lines = new String(r.body()).lines().toList();
            assertTrue(lines.size() >= 2, "no progress line before the result: " + lines);
            JsonNode first = JSON.readTree(lines.get(0));
            assertEquals(16 * 1000, first.get("total").asInt());
            JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
            assertEquals(16, last.get("images").size());
            assertTrue(last.get("images").get(0).asText().startsWith("data:image/png;base64,"));
            assertEquals(7, last.get("settings").get("seed").asInt());
            assertEquals(1000, last.get("settings").get("steps").asInt());
            assertTrue(last.get("command").asText().contains("--scheduler ddpm"), last.get("command").asText());
            BufferedImage one = ImageIO.read(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(
                    last.get("images").get(0).asText().substring("data:image/png;base64,".length()))));
            assertEquals(8, one.getWidth());
        }
    }

    @Test
    void modelsDescribeThemselves() throws Exception {
        try (Server s = start(ServeLimits.DEFAULT, served("tiny", tiny), served("c", conditional))) {
            JsonNode all = json(get(s, "/v1/models"));
            assertEquals(2, all.get("models").size());
            assertTrue(all.get("schedulers").toString().contains("\"unipc\""));
            JsonNode c = json(get(s, "/v1/models/c"));
            assertEquals(8, c.get("sample_size").asInt());
            assertEquals(3, c.get("classes").asInt());
            assertEquals("DDPMScheduler", c.get("scheduler_config").get("_class_name").asText());
            assertEquals("unipc", c.get("default_scheduler").asText());
            String page = new String(get(s, "/").body());
            assertTrue(page.contains("<title>ddpm4j</title>") && page.contains("/v1/generate"));
            JsonNode e = json(post(s, "/v1/generate", "{\"n\": 1}"));
            assertEquals("model", e.get("field").asText(), "two models: a request must name one");
        }
    }

    @Test
    void aBoundedLoadBelowTheQueueLimitAllSucceedsAndLeavesNoMemoryBehind() throws Exception {
        int clients = 8;
        int perClient = 25;
        try (Server s = start(ServeLimits.DEFAULT.withQueueLimit(clients), served("tiny", tiny))) {
            double rss = 0;
            long objects = 0;
            for (int round = 0; round < 6; round++) { // the allocator's arenas settle over the first rounds
                List<CompletableFuture<Integer>> runs = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    runs.add(CompletableFuture.supplyAsync(() -> {
                        int failed = 0;
                        for (int i = 0; i < perClient; i++) {
                            try {
                                HttpResponse<byte[]> r = post(s, "/v1/generate", "{\"n\": 1, \"seed\": " + (client * 1000 + i)
                                        + ", \"scheduler\": \"ddim\", \"steps\": 3, \"format\": \"npy\"}");
                                failed += r.statusCode() == 200 ? 0 : 1;
                            } catch (IOException | InterruptedException e) {
                                failed++;
                            }
                        }
                        return failed;
                    }));
                }
                for (CompletableFuture<Integer> r : runs) {
                    assertEquals(0, r.get(), "requests failed below the queue limit");
                }
                if (round == 1) {
                    settle();
                    rss = ddpm4j.io.ProcessMemory.residentMb().orElse(0);
                    objects = org.bytedeco.javacpp.Pointer.totalCount();
                }
            }
            settle();
            // every batch's tensors are released with it: a tensor kept per network pass would leave thousands of native objects
            assertEquals(objects, org.bytedeco.javacpp.Pointer.totalCount(), 16, "native objects left behind by 800 requests");
            double growth = ddpm4j.io.ProcessMemory.residentMb().orElse(0) - rss;
            assertTrue(growth < 100, "resident memory grew " + growth + " MB over 800 requests");
            JsonNode st = stats(s, "tiny");
            assertEquals(6 * clients * perClient, st.get("requests").asInt());
            assertTrue(st.get("batches").asInt() < st.get("requests").asInt(), "concurrent requests shared batches: " + st);
        }
    }

    /** Lets the garbage collector free what JavaCPP objects are only reachable by it (e.g. the request threads' wrappers). */
    private static void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    @Test
    void closingFinishesTheRunningRequestAndRefusesTheWaiting() throws Exception {
        Server s = start(ServeLimits.DEFAULT, served("tiny", tiny));
        String url = s.url();
        CompletableFuture<HttpResponse<byte[]>> running = postAsync(s, "/v1/generate", SLOW);
        awaitQueued(s, "tiny", 1);
        CompletableFuture<HttpResponse<byte[]>> waiting = postAsync(s, "/v1/generate", "{\"n\": 2, \"scheduler\": \"ddim\", \"steps\": 3}");
        awaitQueued(s, "tiny", 2);
        s.close();
        assertEquals(200, running.get().statusCode(), "the running request is finished");
        HttpResponse<byte[]> w = waiting.get();
        assertEquals(503, w.statusCode());
        assertTrue(json(w).get("error").asText().contains("shutting down"));
        assertThrows(IOException.class, () -> HTTP.send(HttpRequest.newBuilder(URI.create(url + "v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray()), "closed: nothing listens");
    }

    @Test
    void theCommandServesUntilSigterm() throws Exception {
        Cli bad = Cli.run("serve", "--model", "fashion-mnist", "--port", "70000");
        assertEquals(2, bad.exit, bad.toString());
        assertTrue(bad.err.contains("--port"), bad.err);
        bad = Cli.run("serve", "--model", "a=" + tiny, "--model", "a=" + conditional, "--port", "0");
        assertEquals(2, bad.exit, bad.toString());
        bad = Cli.run("serve", "--model", dir.resolve("missing").toString(), "--port", "0");
        assertEquals(2, bad.exit, bad.toString());

        Path log = dir.resolve("serve.log");
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--model", "fashion-mnist", "--port", "0", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String url = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (url == null) {
                assertTrue(p.isAlive(), () -> "serve ended: " + read(log));
                assertTrue(System.nanoTime() < until, () -> "serve printed no address: " + read(log));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/)").matcher(read(log));
                url = m.find() ? m.group(1) : null;
                Thread.sleep(100);
            }
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "v1/generate"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\": 4, \"seed\": 1, \"steps\": 10, \"format\": \"npy\"}")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            Path npy = dir.resolve("process.npy");
            assertArrayEquals(cli(npy, "sample", "--model", "fashion-mnist", "--n", "4", "--seed", "1", "--steps", "10", "--out", npy.toString()), r.body());
            HttpResponse<byte[]> malformed = HTTP.send(HttpRequest.newBuilder(URI.create(url + "v1/generate"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\": ")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(400, malformed.statusCode());
            assertNotNull(json(malformed).get("error"));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
            assertTrue(read(log).contains("stopping"), read(log));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
