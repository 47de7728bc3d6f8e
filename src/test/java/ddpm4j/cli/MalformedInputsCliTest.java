package ddpm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8's malformed-input contract through the commands a user types: every broken model
 * directory and data file below gives exit code 2, exactly one line on stderr, and no output file.
 */
class MalformedInputsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<String> failures = new ArrayList<>();

    /** Runs the command; records a failure unless it is a one-line exit-2 error that wrote nothing. */
    private void expectRejected(String name, Path out, String... args) {
        Cli r = Cli.run(args);
        boolean ok = r.exit == 2 && r.err.strip().lines().count() == 1 && r.err.startsWith("ddpm4j: ") && !Files.exists(out);
        if (!ok) {
            failures.add(name + ": " + r);
        }
    }

    private Path modelWith(String name, String file, byte[] bytes) throws Exception {
        Path m = dir.resolve(name);
        Files.createDirectories(m);
        for (String f : List.of("config.json", "scheduler_config.json", "diffusion_pytorch_model.safetensors")) {
            Files.copy(Path.of(CliTest.MODEL, f), m.resolve(f));
        }
        Files.write(m.resolve(file), bytes);
        return m;
    }

    private byte[] json(String file, UnaryOperator<ObjectNode> edit) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Path.of(CliTest.MODEL, file).toFile());
        return JSON.writeValueAsBytes(edit.apply(n));
    }

    /** The fixture's safetensors with its JSON header edited (offsets kept unless the edit changes them). */
    private byte[] safetensors(UnaryOperator<ObjectNode> edit) throws Exception {
        byte[] b = Files.readAllBytes(Path.of(CliTest.MODEL, "diffusion_pytorch_model.safetensors"));
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
        byte[] h = JSON.writeValueAsBytes(edit.apply(header));
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + b.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(b, 8 + (int) n, b.length - 8 - (int) n);
        return out.array();
    }

    private static ObjectNode entry(ObjectNode header, String key) {
        return (ObjectNode) header.get(key);
    }

    @Test
    void brokenModelDirectories() throws Exception {
        byte[] st = Files.readAllBytes(Path.of(CliTest.MODEL, "diffusion_pytorch_model.safetensors"));
        String w = "diffusion_pytorch_model.safetensors";
        List<Object[]> cases = List.of(
                new Object[] {"header length past the file", w, withLength(st, st.length * 2L)},
                new Object[] {"header length negative", w, withLength(st, -5)},
                new Object[] {"truncated data", w, Arrays.copyOf(st, st.length - 100)},
                new Object[] {"empty weights", w, new byte[0]},
                new Object[] {"overlapping offsets", w, safetensors(h -> {
                    entry(h, "conv_in.weight").putArray("data_offsets").add(32).add(1760);
                    return h;
                })},
                new Object[] {"offsets past the data", w, safetensors(h -> {
                    entry(h, "conv_in.weight").putArray("data_offsets").add(64).add(1L << 40);
                    return h;
                })},
                new Object[] {"wrong dtype", w, safetensors(h -> {
                    entry(h, "conv_in.weight").put("dtype", "Q7");
                    return h;
                })},
                new Object[] {"wrong shape", w, safetensors(h -> {
                    entry(h, "conv_in.weight").putArray("shape").add(16).add(3).add(3).add(2);
                    return h;
                })},
                new Object[] {"huge dimensions", w, safetensors(h -> {
                    entry(h, "conv_in.weight").putArray("shape").add(1L << 40).add(1L << 40).add(3).add(3);
                    return h;
                })},
                new Object[] {"header not JSON", w, withHeader(st, "{\"conv_in.weight\": [")},
                new Object[] {"config not JSON", "config.json", "{\"sample_size\": ".getBytes(StandardCharsets.UTF_8)},
                new Object[] {"config wrong type", "config.json", json("config.json", n -> n.put("layers_per_block", "two"))},
                new Object[] {"config missing key", "config.json", json("config.json", n -> (ObjectNode) n.without("block_out_channels"))},
                new Object[] {"config unknown block", "config.json", json("config.json", n -> {
                    n.putArray("down_block_types").add("DownBlock2D").add("CrossAttnDownBlock2D").add("DownBlock2D");
                    return n;
                })},
                new Object[] {"config negative size", "config.json", json("config.json", n -> n.put("sample_size", -16))},
                new Object[] {"config huge channels", "config.json", json("config.json", n -> {
                    n.putArray("block_out_channels").add(1 << 30).add(1 << 30).add(1 << 30);
                    return n;
                })},
                new Object[] {"scheduler wrong type", "scheduler_config.json", json("scheduler_config.json", n -> n.put("num_train_timesteps", "many"))},
                new Object[] {"scheduler unknown schedule", "scheduler_config.json", json("scheduler_config.json", n -> n.put("beta_schedule", "zigzag"))},
                new Object[] {"scheduler betas out of range", "scheduler_config.json", json("scheduler_config.json", n -> n.put("beta_end", 1.5))},
                new Object[] {"scheduler no steps", "scheduler_config.json", json("scheduler_config.json", n -> n.put("num_train_timesteps", 0))},
                new Object[] {"scheduler is an array", "scheduler_config.json", "[1, 2]".getBytes(StandardCharsets.UTF_8)});
        int i = 0;
        for (Object[] c : cases) {
            Path model = modelWith("m" + i++, (String) c[1], (byte[]) c[2]);
            Path out = dir.resolve("out" + i + ".png");
            expectRejected((String) c[0], out, "sample", "--model", model.toString(), "--n", "1", "--sampler", "ddim", "--steps", "1",
                    "--out", out.toString());
        }
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    }

    @Test
    void brokenDataFiles() throws Exception {
        Path out = dir.resolve("run");
        byte[] npy = Files.readAllBytes(Path.of(CliTest.X));
        List<Object[]> cases = new ArrayList<>(List.of(
                new Object[] {"truncated npy", "d.npy", Arrays.copyOf(npy, npy.length - 7)},
                new Object[] {"npy bad magic", "d.npy", "\u0093NUMPZ junk".getBytes(StandardCharsets.ISO_8859_1)},
                new Object[] {"npz not a zip", "d.npz", "PK\u0003\u0004 not really".getBytes(StandardCharsets.ISO_8859_1)},
                new Object[] {"png that is text", "folder/a.png", "not a png".getBytes(StandardCharsets.UTF_8)},
                new Object[] {"jpeg cut short", "folder/a.jpg", new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16}}));
        int i = 0;
        for (Object[] c : cases) {
            Path base = dir.resolve("data" + i++);
            Path file = base.resolve((String) c[1]);
            Files.createDirectories(file.getParent());
            Files.write(file, (byte[]) c[2]);
            String spec = ((String) c[1]).startsWith("folder/") ? file.getParent().toString() : file.toString();
            expectRejected((String) c[0], out, "train", "--data", spec, "--out", out.toString(), "--preset", "quick28", "--steps", "1");
        }
        Path idxDir = dir.resolve("idx");
        Files.createDirectories(idxDir);
        Files.write(idxDir.resolve("train-images-idx3-ubyte"), ByteBuffer.allocate(16 + 10).putInt(0x803).putInt(5).putInt(28).putInt(28).array());
        expectRejected("truncated IDX", out, "train", "--data", "fashion-mnist:train", "--data-dir", idxDir.toString(), "--out", out.toString(),
                "--steps", "1");
        Path cifar = dir.resolve("cifar").resolve("cifar-10-batches-bin");
        Files.createDirectories(cifar);
        for (int b = 1; b <= 5; b++) {
            Files.write(cifar.resolve("data_batch_" + b + ".bin"), new byte[3073 * 2 + 5]);
        }
        expectRejected("CIFAR batch of a wrong size", out, "train", "--data", "cifar10:train", "--data-dir", dir.resolve("cifar").toString(),
                "--out", out.toString(), "--steps", "1");
        System.setProperty("ddpm4j.mirror", "http://127.0.0.1:9"); // a refused download, as offline
        try {
            expectRejected("dataset absent", out, "train", "--data", "cifar10:test", "--data-dir", dir.resolve("none").toString(),
                    "--out", out.toString(), "--steps", "1");
            Cli absent = Cli.run("train", "--data", "cifar10:test", "--data-dir", dir.resolve("none").toString(), "--out", out.toString());
            if (!absent.err.contains("test_batch") || !absent.err.contains("pass --data-dir")) {
                failures.add("dataset absent names the file and the flag: " + absent);
            }
        } finally {
            System.clearProperty("ddpm4j.mirror");
        }
        expectRejected("batch size out of range", out, "train", "--data", CliTest.X, "--out", out.toString(), "--batch-size", "0");
        expectRejected("learning rate not a number", out, "train", "--data", CliTest.X, "--out", out.toString(), "--lr", "fast");
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
        assertFalse(Files.exists(out));
    }

    /** Issue 34's cases of an independent corpus that got through: each a one-line refusal now, or (CMYK) read as PIL reads it. */
    @Test
    void theInputsThatGotThrough() throws Exception {
        Path model = modelWith("huge-t", "scheduler_config.json", json("scheduler_config.json", n -> n.put("num_train_timesteps", 1_000_000_000)));
        expectRejected("num_train_timesteps 1e9", dir.resolve("t.png"), "sample", "--model", model.toString(), "--n", "1", "--steps", "1",
                "--out", dir.resolve("t.png").toString());
        Path nanBetas = modelWith("nan-betas", "scheduler_config.json", json("scheduler_config.json", n -> {
            n.put("num_train_timesteps", 3);
            n.putArray("trained_betas").add(0.1).add(Double.NaN).add(0.2);
            return n;
        }));
        expectRejected("convert with NaN trained_betas", dir.resolve("converted"), "convert", "--model", nanBetas.toString(),
                "--out", dir.resolve("converted").toString());
        Path inpainted = dir.resolve("inpainted.png");
        expectRejected("RePaint with 2e9 resamplings", inpainted, "edit", "inpaint", "--model", "fashion-mnist", "--image", "fashion-mnist:test",
                "--limit", "1", "--mask", writeMask().toString(), "--jump-length", "1", "--jump-n-sample", "2000000000", "--out", inpainted.toString());
        Path launched = dir.resolve("launched.png");
        expectRejected("launch --nproc 1000", launched, "launch", "--nproc", "1000", "sample", "--model", "fashion-mnist", "--out", launched.toString());
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            expectRejected("launch on a busy --master-port", launched, "launch", "--nproc", "2", "--master-port",
                    Integer.toString(busy.getLocalPort()), "sample", "--model", "fashion-mnist", "--out", launched.toString());
        }
        Path stats = dir.resolve("not-a-covariance.npz");
        int d = 4;
        double[] sigma = new double[d * d];
        for (int i = 0; i < d; i++) {
            sigma[i * d + i] = -1e6;
        }
        java.util.Map<String, byte[]> arrays = new java.util.LinkedHashMap<>();
        arrays.put("mu", ddpm4j.io.Npy.encodeDoubles(new long[] {d}, new double[d]));
        arrays.put("sigma", ddpm4j.io.Npy.encodeDoubles(new long[] {d, d}, sigma));
        ddpm4j.io.Npz.write(stats, arrays);
        Path fidJson = dir.resolve("fid.json");
        expectRejected("eval fid --ref with -1e6·I as sigma", fidJson, "eval", "fid", "--samples", stats.toString(), "--ref", stats.toString(),
                "--json", fidJson.toString());
        Path big = dir.resolve("big.npy");
        ddpm4j.io.Npy.writeBytes(big, new long[] {2, 32, 32, 3}, new byte[2 * 32 * 32 * 3]);
        Path bpd = dir.resolve("bpd.json");
        expectRejected("eval bpd of 32x32 images with a 16x16 model", bpd, "eval", "bpd", "--model", CliTest.MODEL, "--data", big.toString(),
                "--json", bpd.toString());
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    }

    @Test
    void aCmykJpegIsEditedInThePixelsPilReads() throws Exception {
        // strength 0 returns the input as the model takes it (center-cropped, resized, gray): from the CMYK JPEG the
        // same bytes as from a PNG of the RGB pixels PIL reads from it
        Path pilPng = dir.resolve("pil.png");
        ddpm4j.io.Npy.Array pil = ddpm4j.io.Npy.read(Path.of("src/test/resources/reference/cmyk/cmyk-adobe.pil-rgb.npy"));
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(20, 12, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 20; x++) {
                int at = (y * 20 + x) * 3;
                rgb.setRGB(x, y, (pil.data().get(at) & 255) << 16 | (pil.data().get(at + 1) & 255) << 8 | pil.data().get(at + 2) & 255);
            }
        }
        javax.imageio.ImageIO.write(rgb, "png", pilPng.toFile());
        byte[][] edited = new byte[2][];
        Path[] inputs = {Path.of("src/test/resources/reference/cmyk/cmyk-adobe.jpg"), pilPng};
        for (int k = 0; k < 2; k++) {
            Path out = dir.resolve("cmyk" + k + ".npy");
            Cli r = Cli.run("edit", "img2img", "--model", "fashion-mnist", "--image", inputs[k].toString(), "--strength", "0", "--out", out.toString());
            assertEquals(0, r.exit, r.toString());
            edited[k] = ddpm4j.data.DataSpecs.load(out.toString()).pixels();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(edited[1], edited[0]);
    }

    private Path writeMask() throws Exception {
        java.awt.image.BufferedImage m = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                m.getRaster().setSample(x, y, 0, 255); // keeps every pixel
            }
        }
        Path p = dir.resolve("mask.png");
        javax.imageio.ImageIO.write(m, "png", p.toFile());
        return p;
    }

    private static byte[] withLength(byte[] st, long length) {
        byte[] b = st.clone();
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return b;
    }

    private static byte[] withHeader(byte[] st, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + 64).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        return out.array();
    }
}
