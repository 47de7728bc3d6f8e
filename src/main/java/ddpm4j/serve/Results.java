package ddpm4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.io.Images;

import java.util.Base64;

/** A task's images in the format it asked for: the bytes {@code ddpm4j sample --out} would write, or JSON. */
final class Results {
    /** A response body and its media type. */
    record Body(String contentType, byte[] bytes) {
    }

    private Results() {
    }

    static Body encode(Task task, float[] samples, ObjectMapper json, double seconds) {
        ServedModel served = task.model();
        var c = served.model().unet().config();
        int n = task.count();
        int ch = c.inChannels();
        int h = c.sampleSize();
        int w = c.sampleSize();
        return switch (task.format()) {
            case "raw", "npy" -> new Body("application/octet-stream", Images.encode("npy", task.format().equals("raw"), samples, n, ch, h, w));
            case "png" -> new Body("image/png", Images.encode("png", false, samples, n, shown(ch), h, w));
            default -> new Body("application/json", json(task, samples, json, seconds).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };
    }

    /** The images as base64 PNGs with the settings, the command that makes them and the time taken. */
    static ObjectNode json(Task task, float[] samples, ObjectMapper json, double seconds) {
        var c = task.model().model().unet().config();
        int ch = c.inChannels();
        int h = c.sampleSize();
        int w = c.sampleSize();
        byte[] pixels = Images.toUint8Nhwc(samples, task.count(), ch, h, w);
        ObjectNode o = json.createObjectNode();
        ArrayNode images = o.putArray("images");
        int per = h * w * ch;
        for (int i = 0; i < task.count(); i++) {
            byte[] one = java.util.Arrays.copyOfRange(pixels, i * per, (i + 1) * per);
            images.add("data:image/png;base64," + Base64.getEncoder().encodeToString(Images.png(Images.image(one, h, w, shown(ch)))));
        }
        o.set("settings", task.settings());
        o.put("command", task.command());
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        return o;
    }

    /** The channels a PNG shows. */
    private static int shown(int channels) {
        if (channels != 1 && channels != 3) {
            throw ServeError.bad("format", "a " + channels + "-channel model's images have no PNG; ask for npy or raw");
        }
        return channels;
    }
}
