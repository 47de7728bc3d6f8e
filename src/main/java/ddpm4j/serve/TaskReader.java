package ddpm4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.data.ImageFolder;
import ddpm4j.data.ImageSet;
import ddpm4j.data.InpaintingMasks;
import ddpm4j.io.FormatException;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Editing;
import ddpm4j.sample.ImageToImage;
import ddpm4j.sample.RePaintSampler;
import ddpm4j.sample.Sampler;
import ddpm4j.sample.SamplerChoice;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.TracedSampler;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Precision;
import ddpm4j.torch.PrecisionRule;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a request's JSON into a {@link Task}, checking every field against the model and the limits: a wrong type,
 * an unknown field, a value out of range or an image that does not decode is a {@link ServeError} (400) naming the field.
 * The defaults are {@code ddpm4j sample}'s and the edit commands', so that the echoed command gives the same images.
 */
final class TaskReader {
    private static final Set<String> COMMON = Set.of("model", "seed", "format", "stream", "precision");
    private static final Set<String> SAMPLER = Set.of("scheduler", "steps", "timesteps", "spacing", "eta", "clip", "set");
    private static final Set<String> GENERATE = Set.of("n", "class", "guidance");
    private static final Set<String> IMG2IMG = Set.of("image", "strength");
    private static final Set<String> INPAINT = Set.of("image", "mask", "invert_mask", "steps", "jump_length", "jump_n_sample", "eta");
    static final List<String> FORMATS = List.of("png", "npy", "raw", "json");
    /** The images {@code sample} makes without --n. */
    static final int DEFAULT_IMAGES = 16;

    /** The largest upload decoded, in pixels: a 28×28 or 256×256 model needs far less, and a small PNG can hold a huge image. */
    static final long MAX_UPLOAD_PIXELS = 2048L * 2048;

    private final ObjectMapper json;
    private final Map<String, ServedModel> models;
    private final ServeLimits limits;
    private final Precision precision;

    /** @param precision what a request's precision auto means, or null for the CLI's rule (fp32 for sampling) */
    TaskReader(ObjectMapper json, Map<String, ServedModel> models, ServeLimits limits, Precision precision) {
        this.json = json;
        this.models = models;
        this.limits = limits;
        this.precision = precision;
    }

    Task read(Task.Kind kind, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (java.io.IOException e) {
            throw ServeError.bad(null, "malformed JSON: " + ServeError.firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw ServeError.bad(null, "the request must be a JSON object");
        }
        Set<String> allowed = new java.util.HashSet<>(COMMON);
        allowed.addAll(switch (kind) {
            case GENERATE -> union(SAMPLER, GENERATE);
            case IMG2IMG -> union(SAMPLER, IMG2IMG);
            case INPAINT -> INPAINT;
        });
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ServeError.bad(f, "unknown field for " + kind.path() + " (it takes " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
        ServedModel served = model(root);
        UNetConfig unet = served.model().unet().config();
        long seed = root.has("seed") ? longValue(root, "seed") : 0;
        boolean stream = root.has("stream") && bool(root, "stream");
        String format = root.has("format") ? text(root, "format").toLowerCase(Locale.ROOT) : stream ? "json" : "png";
        if (!FORMATS.contains(format)) {
            throw ServeError.bad("format", "must be one of " + FORMATS + ", got '" + format + "'");
        }
        int channels = unet.inChannels();
        if ((format.equals("png") || format.equals("json")) && channels != 1 && channels != 3) {
            throw ServeError.bad("format", "a " + channels + "-channel model's images have no PNG; ask for npy or raw");
        }
        if (stream && !format.equals("json")) {
            throw ServeError.bad("stream", "progress lines come with the JSON result; leave format out or make it json");
        }
        if (stream) {
            format = "json";
        }
        Precision precision = precision(root, served);
        ObjectNode settings = json.createObjectNode();
        settings.put("model", served.name());
        settings.put("seed", seed);
        settings.put("precision", precision.toString());
        Command command = new Command(kind, served.given(), format);
        command.add("--seed", seed);
        command.add("--precision", precision.toString());
        if (precision != Precision.FP32) { // not joined with other requests: batches of the server's size, as --batch-size
            command.add("--batch-size", limits.batchImages());
        }
        return switch (kind) {
            case GENERATE -> generate(root, served, unet, seed, precision, format, stream, settings, command);
            case IMG2IMG -> imageToImage(root, served, unet, seed, precision, format, stream, settings, command);
            case INPAINT -> inpaint(root, served, unet, seed, precision, format, stream, settings, command);
        };
    }

    private Task generate(JsonNode root, ServedModel served, UNetConfig unet, long seed, Precision precision, String format, boolean stream,
                          ObjectNode settings, Command command) {
        int n = root.has("n") ? intValue(root, "n", 1, limits.maxImages()) : DEFAULT_IMAGES;
        if (n > limits.maxImages()) {
            throw ServeError.bad("n", "at most " + limits.maxImages() + " images per request");
        }
        SamplerChoice choice = choice(root);
        TracedSampler sampler = sampler(choice, served, settings, command);
        long[] labels = null;
        double guidance = 1.0;
        if (root.has("class") || root.has("guidance")) {
            if (!unet.classConditional()) {
                throw ServeError.bad(root.has("class") ? "class" : "guidance", "needs a class-conditional model (num_class_embeds in config.json)");
            }
        }
        if (unet.classConditional()) {
            List<Integer> cycle = classes(root, served);
            labels = new long[n];
            for (int i = 0; i < n; i++) {
                labels[i] = cycle.get(i % cycle.size());
            }
            guidance = root.has("guidance") ? number(root, "guidance") : 1.0;
            if (!(guidance >= 0)) {
                throw ServeError.bad("guidance", "must be a non-negative number, got " + guidance);
            }
            if (guidance != 1.0 && !served.model().hasNoClassLabel()) {
                throw ServeError.bad("guidance", "needs a no-class label, which this model has not (a consistency model uses every class embedding)");
            }
            if (root.has("class")) {
                settings.set("class", root.get("class"));
                command.add("--class", String.join(",", cycle.stream().map(String::valueOf).toList()));
            }
            if (root.has("guidance")) {
                settings.put("guidance", guidance);
                command.add("--guidance", guidance);
            }
        }
        checkPasses(sampler.passes(), choice.timesteps() != null ? "timesteps" : "steps");
        checkPasses(sampler.passes() * (guidance != 1.0 ? 2 : 1), "guidance"); // a guided pass runs the network twice
        int passes = sampler.passes();
        settings.put("n", n);
        command.add("--n", n);
        String key = precision == Precision.FP32 ? "generate|" + settings.get("scheduler_config") + "|" + settings.get("steps")
                + "|" + settings.get("timesteps") + "|" + guidance : null;
        return new Task(Task.Kind.GENERATE, served, n, seed, labels, guidance, precision, sampler, 0, passes, key, null, null, format, stream,
                settings, command.toString());
    }

    private Task imageToImage(JsonNode root, ServedModel served, UNetConfig unet, long seed, Precision precision, String format, boolean stream,
                              ObjectNode settings, Command command) {
        requireField(root, "image");
        requireField(root, "strength");
        double strength = number(root, "strength");
        if (!(strength >= 0 && strength <= 1)) {
            throw ServeError.bad("strength", "must be in [0, 1], got " + strength);
        }
        unconditional(served);
        Editing.Images images = images(decode(root, "image"), "image", unet);
        SamplerChoice choice = choice(root);
        TracedSampler sampler = sampler(choice, served, settings, command);
        int passes = ImageToImage.passes(sampler, strength);
        checkPasses(passes, choice.timesteps() != null ? "timesteps" : "steps");
        settings.put("strength", strength);
        command.add("--image", "IN.png");
        command.add("--strength", strength);
        String key = precision == Precision.FP32 ? "img2img|" + settings.get("scheduler_config") + "|" + settings.get("steps") + "|"
                + settings.get("timesteps") + "|" + strength : null;
        return new Task(Task.Kind.IMG2IMG, served, 1, seed, null, 1.0, precision, sampler, strength, passes, key, images, null, format, stream,
                settings, command.toString());
    }

    private Task inpaint(JsonNode root, ServedModel served, UNetConfig unet, long seed, Precision precision, String format, boolean stream,
                         ObjectNode settings, Command command) {
        requireField(root, "image");
        requireField(root, "mask");
        unconditional(served);
        java.awt.image.BufferedImage picture = decode(root, "image");
        java.awt.image.BufferedImage drawn = decode(root, "mask");
        if (drawn.getWidth() != picture.getWidth() || drawn.getHeight() != picture.getHeight()) {
            throw ServeError.bad("mask", "is " + drawn.getWidth() + "x" + drawn.getHeight() + " but the image is " + picture.getWidth() + "x"
                    + picture.getHeight());
        }
        Editing.Images images = images(picture, "image", unet);
        ImageSet maskImage = ImageFolder.toImageSet(drawn, unet.sampleSize());
        boolean invert = root.has("invert_mask") && bool(root, "invert_mask");
        InpaintingMasks m = InpaintingMasks.of(maskImage, 0, 1, 1, invert);
        Editing.Images masks = new Editing.Images(m.keep(), 1, new long[] {1, m.height(), m.width()});
        int steps = root.has("steps") ? intValue(root, "steps", 1, Integer.MAX_VALUE) : RePaintSampler.DEFAULT_STEPS;
        int jumpLength = root.has("jump_length") ? intValue(root, "jump_length", 1, Integer.MAX_VALUE) : RePaintSampler.DEFAULT_JUMP_LENGTH;
        int jumpNSample = root.has("jump_n_sample") ? intValue(root, "jump_n_sample", 1, Integer.MAX_VALUE) : RePaintSampler.DEFAULT_JUMP_N_SAMPLE;
        double eta = root.has("eta") ? number(root, "eta") : RePaintSampler.DEFAULT_ETA;
        if (!(eta >= 0)) {
            throw ServeError.bad("eta", "must be a non-negative number, got " + eta);
        }
        if ((long) steps * jumpNSample > 2L * limits.maxPasses()) { // before RePaint lays out its visits
            throw ServeError.bad(jumpNSample > 1 ? "jump_n_sample" : "steps", "steps × jump_n_sample is " + (long) steps * jumpNSample
                    + ": far more network passes than this server's " + limits.maxPasses());
        }
        Sampler sampler;
        try {
            sampler = Samplers.rePaint(served.model().scheduler(), steps, jumpLength, jumpNSample, eta);
        } catch (IllegalArgumentException e) {
            String m2 = e.getMessage();
            String field = m2.startsWith("jump_length") ? "jump_length" : m2.startsWith("jump_n_sample") ? "jump_n_sample"
                    : m2.startsWith("steps") ? "steps" : m2.startsWith("eta") ? "eta" : "model";
            throw new ServeError(400, field, m2);
        }
        checkPasses(sampler.passes(), "steps");
        settings.put("steps", steps);
        settings.put("jump_length", jumpLength);
        settings.put("jump_n_sample", jumpNSample);
        settings.put("eta", eta);
        settings.put("invert_mask", invert);
        command.add("--image", "IN.png");
        command.add("--mask", "MASK.png");
        if (invert) {
            command.flag("--invert-mask");
        }
        command.add("--steps", steps);
        command.add("--jump-length", jumpLength);
        command.add("--jump-n-sample", jumpNSample);
        command.add("--eta", eta);
        String key = precision == Precision.FP32 ? "inpaint|" + steps + "|" + jumpLength + "|" + jumpNSample + "|" + eta : null;
        return new Task(Task.Kind.INPAINT, served, 1, seed, null, 1.0, precision, sampler, 0, sampler.passes(), key, images, masks, format,
                stream, settings, command.toString());
    }

    private ServedModel model(JsonNode root) {
        if (!root.has("model")) {
            if (models.size() == 1) {
                return models.values().iterator().next();
            }
            throw ServeError.bad("model", "this server holds " + models.keySet() + "; name one");
        }
        String name = text(root, "model");
        ServedModel m = models.get(name);
        if (m == null) {
            throw ServeError.bad("model", "no model '" + name + "' here (there are " + models.keySet() + ")");
        }
        return m;
    }

    private Precision precision(JsonNode root, ServedModel served) {
        String p = root.has("precision") ? text(root, "precision") : "auto";
        try {
            if ("auto".equalsIgnoreCase(p)) {
                return precision != null ? precision : PrecisionRule.of(PrecisionRule.Work.SAMPLING, served.model().device()).precision();
            }
            return Precision.of(p).requireSupportedOn(served.model().device());
        } catch (IllegalArgumentException e) {
            throw ServeError.bad("precision", e.getMessage());
        }
    }

    private static SamplerChoice choice(JsonNode root) {
        Map<String, Object> keys = new LinkedHashMap<>();
        if (root.has("set")) {
            JsonNode set = root.get("set");
            if (!set.isObject()) {
                throw ServeError.bad("set", "must be an object of scheduler keys, got " + set);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = set.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    keys.put(e.getKey(), SchedulerConfig.valueOf(e.getKey(), e.getValue().toString()));
                } catch (IllegalArgumentException ex) {
                    throw ServeError.bad("set", ex.getMessage());
                }
            }
        }
        int[] timesteps = null;
        if (root.has("timesteps")) {
            JsonNode t = root.get("timesteps");
            if (!t.isArray() || t.isEmpty()) {
                throw ServeError.bad("timesteps", "must be a list of integers, got " + t);
            }
            timesteps = new int[t.size()];
            for (int i = 0; i < timesteps.length; i++) {
                if (!t.get(i).isIntegralNumber() || !t.get(i).canConvertToInt()) {
                    throw ServeError.bad("timesteps", "must be a list of integers, got " + t);
                }
                timesteps[i] = t.get(i).asInt();
            }
        }
        SamplerChoice c = new SamplerChoice(root.has("scheduler") ? text(root, "scheduler") : null,
                root.has("steps") ? intValue(root, "steps", 1, Integer.MAX_VALUE) : null, timesteps,
                root.has("spacing") ? text(root, "spacing") : null, root.has("eta") ? number(root, "eta") : null,
                root.has("clip") ? bool(root, "clip") : null, keys);
        try {
            c.validate();
        } catch (SamplerChoice.Invalid e) {
            throw refusal(e);
        }
        return c;
    }

    private TracedSampler sampler(SamplerChoice choice, ServedModel served, ObjectNode settings, Command command) {
        SchedulerConfig model = served.model().scheduler();
        TracedSampler s;
        SchedulerConfig config;
        try {
            s = choice.build(model, Samplers.DEFAULT);
            config = choice.config(model, Samplers.DEFAULT);
        } catch (SamplerChoice.Invalid e) {
            throw refusal(e);
        }
        settings.put("scheduler", config.scheduler().alias);
        if (choice.timesteps() != null) {
            settings.set("timesteps", json.valueToTree(choice.timesteps()));
        } else {
            settings.put("steps", choice.steps() != null ? choice.steps() : Samplers.defaultSteps(config));
        }
        settings.put("passes", s.passes());
        try {
            settings.set("scheduler_config", json.readTree(config.toJson()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        if (choice.scheduler() != null) {
            command.add("--scheduler", choice.scheduler());
        }
        if (choice.steps() != null) {
            command.add("--steps", choice.steps());
        }
        if (choice.timesteps() != null) {
            command.add("--timesteps", String.join(",", java.util.Arrays.stream(choice.timesteps()).mapToObj(String::valueOf).toList()));
        }
        if (choice.spacing() != null) {
            command.add("--spacing", choice.spacing());
        }
        if (choice.eta() != null) {
            command.add("--eta", choice.eta());
        }
        if (choice.clip() != null) {
            command.flag(choice.clip() ? "--clip" : "--no-clip");
        }
        for (Map.Entry<String, Object> e : choice.settings().entrySet()) {
            command.add("--set", e.getKey() + "=" + SchedulerConfig.valueText(e.getValue()));
        }
        return s;
    }

    private static ServeError refusal(SamplerChoice.Invalid e) {
        return new ServeError(400, e.field(), e.messageFor(e.field()));
    }

    private List<Integer> classes(JsonNode root, ServedModel served) {
        int known = served.model().classCount();
        List<Integer> cycle = new ArrayList<>();
        if (!root.has("class")) {
            for (int k = 0; k < known; k++) {
                cycle.add(k);
            }
            return cycle;
        }
        JsonNode c = root.get("class");
        List<JsonNode> values = new ArrayList<>();
        if (c.isArray()) {
            c.forEach(values::add);
        } else {
            values.add(c);
        }
        if (values.isEmpty()) {
            throw ServeError.bad("class", "must be a class or a list of classes, got " + c);
        }
        for (JsonNode v : values) {
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= known) {
                throw ServeError.bad("class", "classes must be integers in [0, " + known + "), got " + v);
            }
            cycle.add(v.asInt());
        }
        return cycle;
    }

    private static void unconditional(ServedModel served) {
        if (served.model().unet().config().classConditional() && !served.model().hasNoClassLabel()) {
            throw ServeError.bad("model", "this class-conditional model has no no-class label, so it cannot edit unconditionally");
        }
    }

    private void checkPasses(int passes, String field) {
        if (passes > limits.maxPasses()) {
            throw ServeError.bad(field, "the request takes " + passes + " network passes per image, more than this server's "
                    + limits.maxPasses());
        }
    }

    private Editing.Images images(java.awt.image.BufferedImage picture, String field, UNetConfig unet) {
        ImageSet set = ImageFolder.toImageSet(picture, unet.sampleSize());
        int c = unet.inChannels();
        if (c != 1 && c != 3) {
            throw ServeError.bad(field, "the model takes " + c + "-channel images; edits take gray or RGB images only");
        }
        set = set.withChannels(c);
        return new Editing.Images(set.modelSpace(0, 1), 1, new long[] {c, set.height(), set.width()});
    }

    /** A base64 PNG or JPEG (a data: URL too). */
    private static java.awt.image.BufferedImage decode(JsonNode root, String field) {
        String text = text(root, field);
        int comma = text.startsWith("data:") ? text.indexOf(',') : -1;
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(text.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw ServeError.bad(field, "not base64: " + e.getMessage());
        }
        try {
            return ImageFolder.decode(bytes, field, MAX_UPLOAD_PIXELS);
        } catch (FormatException e) {
            throw ServeError.bad(field, e.problem());
        }
    }

    private static void requireField(JsonNode root, String field) {
        if (!root.has(field) || root.get(field).isNull()) {
            throw ServeError.bad(field, "missing");
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (!n.isTextual()) {
            throw ServeError.bad(field, "must be a string, got " + n);
        }
        return n.asText();
    }

    private static boolean bool(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (!n.isBoolean()) {
            throw ServeError.bad(field, "must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    private static double number(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw ServeError.bad(field, "must be a finite number, got " + n);
        }
        return n.asDouble();
    }

    private static long longValue(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw ServeError.bad(field, "must be an integer, got " + n);
        }
        return n.asLong();
    }

    private static int intValue(JsonNode root, String field, int min, int max) {
        JsonNode n = root.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw ServeError.bad(field, "must be an integer, got " + n);
        }
        int v = n.asInt();
        if (v < min || v > max) {
            throw ServeError.bad(field, "must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** The command line that makes a task's images. */
    private static final class Command {
        private final StringBuilder text = new StringBuilder("ddpm4j");
        private final String format;

        Command(Task.Kind kind, String model, String format) {
            this.format = format;
            text.append(kind == Task.Kind.GENERATE ? " sample" : kind == Task.Kind.IMG2IMG ? " edit img2img" : " edit inpaint");
            add("--model", model);
        }

        void add(String option, Object value) {
            String v = String.valueOf(value);
            text.append(' ').append(option).append(' ').append(v.matches("[A-Za-z0-9_.,=:/+-]+") ? v : "'" + v.replace("'", "'\\''") + "'");
        }

        void flag(String option) {
            text.append(' ').append(option);
        }

        @Override
        public String toString() {
            return text + (format.equals("raw") ? " --raw --out OUT.npy" : format.equals("npy") ? " --out OUT.npy" : " --out OUT.png");
        }
    }
}
