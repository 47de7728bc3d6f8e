package ddpm4j.docs;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java code is the code of examples/ (which CI builds and runs against the installed
 * artifact), and examples/ asks for the version this project installs.
 */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("examples");
    private static final String BEGIN = "// README:begin";
    private static final String END = "// README:end";

    @Test
    void everyMarkedBlockOfTheExamplesIsInTheReadmeVerbatim() throws Exception {
        List<String> javaBlocks = javaBlocks(Files.readString(Path.of("README.md")));
        List<Path> sources;
        try (Stream<Path> walk = Files.walk(EXAMPLES.resolve("src"))) {
            sources = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertFalse(sources.isEmpty());
        int blocks = 0;
        for (Path source : sources) {
            for (String block : marked(Files.readString(source))) {
                assertTrue(javaBlocks.contains(block), source + "'s README block is not in README.md as a ```java block:\n" + block);
                blocks++;
            }
        }
        assertEquals(javaBlocks.size(), blocks, "every ```java block of the README comes from examples/");
    }

    @Test
    void theExamplesDependOnTheVersionThisProjectInstalls() throws Exception {
        Matcher project = Pattern.compile("<artifactId>ddpm4j</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(Path.of("pom.xml")));
        Matcher wanted = Pattern.compile("<ddpm4j.version>([^<]+)</ddpm4j.version>").matcher(Files.readString(EXAMPLES.resolve("pom.xml")));
        assertTrue(project.find() && wanted.find());
        assertEquals(project.group(1), wanted.group(1));
    }

    /** docs/onnx.md's Java is the code ExportOnnxCliTest runs against {@code sample}. */
    @Test
    void theOnnxGuidesJavaIsTheTestedCode() throws Exception {
        List<String> guide = javaBlocks(Files.readString(Path.of("docs/onnx.md")));
        List<String> tested = marked(Files.readString(Path.of("src/test/java/ddpm4j/cli/ExportOnnxCliTest.java")),
                "// docs/onnx.md:begin", "// docs/onnx.md:end");
        assertEquals(2, tested.size());
        for (String block : tested) {
            assertTrue(guide.contains(block), "docs/onnx.md lacks, as a ```java block, the tested code:\n" + block);
        }
    }

    private static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL).matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    static List<String> marked(String source) {
        return marked(source, BEGIN, END);
    }

    /** The code between the markers, less the markers' own indentation. */
    static List<String> marked(String source, String begin, String end) {
        List<String> out = new ArrayList<>();
        List<String> lines = source.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals(begin)) {
                continue;
            }
            int indent = lines.get(i).indexOf(begin);
            StringBuilder b = new StringBuilder();
            int j = i + 1;
            for (; !lines.get(j).strip().equals(end); j++) {
                String line = lines.get(j);
                b.append(line.length() >= indent ? line.substring(indent) : line.strip()).append('\n');
            }
            out.add(b.toString().stripTrailing());
            i = j;
        }
        return out;
    }
}
