package ddpm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.io.AtomicFiles;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The {@code --json} report of the sample-quality commands. */
final class Reports {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json", paramLabel = "OUT.json", description = "Also write the result as JSON." + Outputs.CREATES_FOLDERS)
    Path json;

    /** Checks the path before any work. */
    void prepare() throws IOException {
        if (json != null) {
            Outputs.extension(json, "--json", List.of("json"));
            Outputs.prepare(json);
        }
    }

    /**
     * A report holding what every sample-quality result states: the images, their source, the arithmetic they
     * were sampled in (when sampled) and the feature network.
     */
    ObjectNode report(int count, GeneratedImages images, FeatureOption features) {
        ObjectNode o = JSON.createObjectNode();
        o.put("images", count);
        o.put("source", images.describe());
        if (images.precision != null) {
            o.put("precision", images.precision.toString());
        }
        o.put("features", features.describe());
        return o;
    }

    /** An empty report, for commands whose results are not sample quality. */
    ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** Writes the report when --json was given. */
    void write(ObjectNode o) throws IOException {
        if (json != null) {
            AtomicFiles.write(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
            System.err.println("wrote " + json);
        }
    }
}
