package ddpm4j.io.tensorboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * reference/tfevents_read.py: event files decoded by Debian's python3-protobuf with their own CRC-32C check,
 * not by this project's code. Skips the test where python3-protobuf is missing (.ci/run installs it).
 */
public final class IndependentReader {
    private static final String PYTHON = "/usr/bin/python3";

    private IndependentReader() {
    }

    /** Every event of the event files in {@code dir}, in TensorBoard's file order. */
    public static List<JsonNode> events(Path dir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(available(), "python3-protobuf is not installed (apt-get install python3-protobuf)");
        List<String> command = new ArrayList<>(List.of(PYTHON, "reference/tfevents_read.py"));
        for (Path f : SummaryWriter.eventFiles(dir)) {
            command.add(f.toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("tfevents_read.py failed: " + out);
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                events.add(json.readTree(line));
            }
        }
        return events;
    }

    private static boolean available() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return false;
        }
        Process p = new ProcessBuilder(PYTHON, "-c", "import google.protobuf").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
