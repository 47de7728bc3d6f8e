package ddpm4j.io.tensorboard;

import ddpm4j.io.AtomicFiles;
import ddpm4j.io.FormatException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * TensorBoard's event files in one directory, as {@code torch.utils.tensorboard.SummaryWriter} writes them:
 * scalars and PNG images, each event flushed as it is added, so that a crash loses nothing written.
 * {@code tensorboard --logdir DIR} shows them.
 */
public final class SummaryWriter implements AutoCloseable {
    /** What every event file's name holds: TensorBoard reads the files of a directory whose names contain it. */
    public static final String FILE_MARK = "tfevents";
    private static final String VERSION = "brain.Event:2";

    private final OutputStream out;

    private SummaryWriter(OutputStream out) {
        this.out = out;
    }

    /**
     * Opens the event log in {@code dir}, keeping of its earlier files only the events up to step {@code keepUpTo}
     * (those of the checkpoint a run resumes from; 0 for a new run), rewritten into one new file.
     */
    public static SummaryWriter open(Path dir, long keepUpTo) throws IOException {
        Files.createDirectories(dir);
        List<Path> old = eventFiles(dir);
        List<byte[]> kept = new ArrayList<>();
        kept.add(Event.newBuilder().setWallTime(now()).setFileVersion(VERSION).build().toByteArray());
        for (Path f : old) {
            for (Event e : read(f)) {
                if (e.hasSummary() && e.getStep() <= keepUpTo) {
                    kept.add(e.toByteArray());
                }
            }
        }
        Path file = dir.resolve("events.out." + FILE_MARK + "." + (System.currentTimeMillis() / 1000) + "." + host());
        AtomicFiles.write(file, o -> {
            for (byte[] r : kept) {
                Records.write(o, r);
            }
        });
        for (Path f : old) {
            if (!f.equals(file)) {
                Files.delete(f);
            }
        }
        return new SummaryWriter(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.APPEND)));
    }

    /** The events of one file, in order. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (byte[] r : Records.readAll(file)) {
            try {
                events.add(Event.parseFrom(r));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new FormatException(file, "a record is not an event: " + e.getMessage());
            }
        }
        return events;
    }

    /** The event files of {@code dir}, by name (TensorBoard's order). */
    public static List<Path> eventFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + FILE_MARK + "*")) {
            s.forEach(p -> {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            });
        }
        files.sort(null);
        return files;
    }

    /** Scalars of one step, one event (tags in the map's order). */
    public void addScalars(Map<String, Double> values, long step) throws IOException {
        Summary.Builder s = Summary.newBuilder();
        values.forEach((tag, v) -> s.addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue(v.floatValue())));
        append(step, s.build());
    }

    /** A PNG image of {@code height × width} pixels with {@code channels} channels (1 gray, 3 RGB, 4 RGBA). */
    public void addImage(String tag, byte[] png, int height, int width, int channels, long step) throws IOException {
        Summary.Image image = Summary.Image.newBuilder().setHeight(height).setWidth(width).setColorspace(channels)
                .setEncodedImageString(com.google.protobuf.ByteString.copyFrom(png)).build();
        append(step, Summary.newBuilder().addValue(Summary.Value.newBuilder().setTag(tag).setImage(image)).build());
    }

    private void append(long step, Summary summary) throws IOException {
        Records.write(out, Event.newBuilder().setWallTime(now()).setStep(step).setSummary(summary).build().toByteArray());
        out.flush();
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** The machine's name for the file name, as TensorBoard's writers add it; "localhost" where unknown. */
    private static String host() {
        String h = System.getenv("HOSTNAME");
        return h == null || h.isBlank() || !h.matches("[A-Za-z0-9._-]+") ? "localhost" : h;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
