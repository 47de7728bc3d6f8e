package ddpm4j.data;

import ddpm4j.io.FormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Fetches a dataset file from its official source into the cache, verified by SHA-256 before it
 * is renamed into place: a failed or corrupted download never leaves a file behind.
 */
public final class Downloads {
    private static final Logger LOG = LoggerFactory.getLogger(Downloads.class);
    /**
     * One file of a dataset.
     *
     * @param name        file name in the cache folder
     * @param urls        sources, tried in order
     * @param sha256      expected SHA-256, lower-case hex
     * @param ofGunzipped whether the hash is of the gunzipped content (the download itself may be
     *                    repacked by mirrors)
     */
    public record Source(String name, List<String> urls, String sha256, boolean ofGunzipped) {
    }

    private static final String FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    private static final String MNIST = "https://ossci-datasets.s3.amazonaws.com/mnist/";

    /** The files the named datasets need, with the official sources. */
    public static final Map<String, List<Source>> SOURCES = Map.of(
            "fashion-mnist", List.of(
                    new Source("train-images-idx3-ubyte.gz", List.of(FASHION + "train-images-idx3-ubyte.gz"),
                            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", true),
                    new Source("t10k-images-idx3-ubyte.gz", List.of(FASHION + "t10k-images-idx3-ubyte.gz"),
                            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", true),
                    new Source("train-labels-idx1-ubyte.gz", List.of(FASHION + "train-labels-idx1-ubyte.gz"),
                            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", true),
                    new Source("t10k-labels-idx1-ubyte.gz", List.of(FASHION + "t10k-labels-idx1-ubyte.gz"),
                            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", true)),
            "mnist", List.of(
                    new Source("train-images-idx3-ubyte.gz", List.of(MNIST + "train-images-idx3-ubyte.gz"),
                            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", false),
                    new Source("t10k-images-idx3-ubyte.gz", List.of(MNIST + "t10k-images-idx3-ubyte.gz"),
                            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", false),
                    new Source("train-labels-idx1-ubyte.gz", List.of(MNIST + "train-labels-idx1-ubyte.gz"),
                            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", false),
                    new Source("t10k-labels-idx1-ubyte.gz", List.of(MNIST + "t10k-labels-idx1-ubyte.gz"),
                            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", false)));

    private Downloads() {
    }

    /**
     * The file {@code name} of dataset {@code dataset} in the cache, downloaded first if needed, or
     * null when the dataset has no such official file. The system property {@code ddpm4j.mirror}
     * replaces the official hosts with MIRROR/DATASET/FILE (for tests and local mirrors).
     */
    public static Path fetchDataset(String dataset, String name, Path cacheDir) throws IOException {
        for (Source s : SOURCES.getOrDefault(dataset, List.of())) {
            if (s.name().equals(name)) {
                String mirror = System.getProperty("ddpm4j.mirror");
                Source src = mirror == null ? s : new Source(s.name(), List.of(mirror + "/" + dataset + "/" + name), s.sha256(), s.ofGunzipped());
                LOG.info("downloading {} {} into {}", dataset, name, cacheDir);
                return fetch(src, cacheDir, HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                        .connectTimeout(Duration.ofSeconds(20)).build());
            }
        }
        return null;
    }

    /** Downloads {@code source} into {@code dir} unless a verified copy is there; returns its path. */
    public static Path fetch(Source source, Path dir, HttpClient http) throws IOException {
        Path target = dir.resolve(source.name());
        if (Files.isRegularFile(target)) {
            return target;
        }
        Files.createDirectories(dir);
        IOException last = null;
        for (String url : source.urls()) {
            Path tmp = Files.createTempFile(dir, "." + source.name() + ".", ".part");
            try {
                HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofMinutes(10)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() != 200) {
                    response.body().close();
                    throw new IOException(url + ": HTTP " + response.statusCode());
                }
                try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
                String actual = sha256(tmp, source.ofGunzipped());
                if (!actual.equals(source.sha256())) {
                    throw new FormatException(Path.of(url), "SHA-256 " + actual + " does not match the expected " + source.sha256());
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target);
                }
                return target;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("download of " + url + " interrupted", e);
            } catch (IOException e) {
                last = e;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        throw last != null ? last : new IOException("no source for " + source.name());
    }

    static String sha256(Path file, boolean gunzip) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = new DigestInputStream(gunzip ? new GZIPInputStream(raw) : raw, digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (java.util.zip.ZipException e) {
            throw new FormatException(file, "not gzip data: " + e.getMessage());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
