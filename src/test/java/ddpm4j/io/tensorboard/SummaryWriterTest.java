package ddpm4j.io.tensorboard;

import com.fasterxml.jackson.databind.JsonNode;
import ddpm4j.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryWriterTest {
    @TempDir
    Path dir;

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};

    private void writeSteps(long from, long to) throws Exception {
        try (SummaryWriter w = SummaryWriter.open(dir, from - 1)) {
            for (long s = from; s <= to; s++) {
                Map<String, Double> v = new LinkedHashMap<>();
                v.put("loss", 1.0 / s);
                v.put("lr", 2e-4 * s);
                w.addScalars(v, s);
            }
            w.addImage("samples", PNG, 30, 40, 3, to);
        }
    }

    @Test
    void anIndependentReaderDecodesEveryRecordWithItsChecksums() throws Exception {
        writeSteps(1, 5);
        List<JsonNode> events = IndependentReader.events(dir);
        assertEquals(7, events.size(), events.toString());
        assertEquals("brain.Event:2", events.get(0).get("file_version").asText());
        for (int s = 1; s <= 5; s++) {
            JsonNode e = events.get(s);
            assertEquals(s, e.get("step").asLong());
            assertEquals((float) (1.0 / s), (float) e.get("scalars").get("loss").asDouble(), 0f);
            assertEquals((float) (2e-4 * s), (float) e.get("scalars").get("lr").asDouble(), 0f);
            assertTrue(e.get("wall_time").asDouble() > 1.7e9, "seconds since the epoch");
        }
        JsonNode image = events.get(6).get("images").get(0);
        assertEquals("samples", image.get("tag").asText());
        assertEquals(30, image.get("height").asInt());
        assertEquals(40, image.get("width").asInt());
        assertEquals(3, image.get("colorspace").asInt());
        assertEquals(PNG.length, image.get("bytes").asInt());
        assertTrue(image.get("png").asBoolean());
    }

    @Test
    void reopeningKeepsTheEventsUpToTheResumedStepInOneFile() throws Exception {
        writeSteps(1, 5);
        Path first = SummaryWriter.eventFiles(dir).get(0);
        Files.write(first, new byte[] {40, 0, 0, 0, 0, 0, 0, 0, 1, 2}, StandardOpenOption.APPEND); // a crash in mid-write
        writeSteps(4, 6); // resumed from the checkpoint of step 3
        List<Path> files = SummaryWriter.eventFiles(dir);
        assertEquals(1, files.size(), files.toString());
        List<JsonNode> events = IndependentReader.events(dir);
        StringBuilder steps = new StringBuilder();
        for (JsonNode e : events) {
            steps.append(e.has("file_version") ? "v" : e.get("images").size() > 0 ? "i" + e.get("step") : e.get("step")).append(' ');
        }
        assertEquals("v 1 2 3 4 5 6 i6 ", steps.toString(), "step 5's image and the later scalars of the first run are gone");
        assertEquals(events.size(), SummaryWriter.read(files.get(0)).size(), "this project's reader agrees");
    }

    @Test
    void aWrongChecksumIsRefusedNamingTheFile() throws Exception {
        writeSteps(1, 2);
        Path f = SummaryWriter.eventFiles(dir).get(0);
        byte[] b = Files.readAllBytes(f);
        b[b.length - 6] ^= 1; // inside the last record's data
        Files.write(f, b);
        FormatException e = assertThrows(FormatException.class, () -> SummaryWriter.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("checksum"), e.getMessage());
        assertThrows(FormatException.class, () -> SummaryWriter.open(dir, 1), "a resume does not drop a damaged log silently");
    }

    @Test
    void aRecordOfNegativeLengthIsRefusedNamingTheFile() throws Exception {
        writeSteps(1, 2);
        Path f = SummaryWriter.eventFiles(dir).get(0);
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(-16);
        head.putInt(Records.maskedCrc32c(head.array(), 0, 8)); // the length's checksum is right
        Files.write(f, head.array(), StandardOpenOption.APPEND);
        Files.write(f, new byte[20], StandardOpenOption.APPEND);
        FormatException e = assertThrows(FormatException.class, () -> SummaryWriter.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("length"), e.getMessage());
        assertThrows(FormatException.class, () -> SummaryWriter.open(dir, 2), "a resume refuses it in one line");
    }
}
