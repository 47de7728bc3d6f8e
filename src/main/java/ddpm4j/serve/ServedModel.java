package ddpm4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.io.Model;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Samplers;
import ddpm4j.schedule.SchedulerConfig;

/**
 * A model the server holds, loaded once.
 *
 * @param name  what requests call it
 * @param given what {@code --model} named (a directory or a built-in name): what the echoed commands repeat
 */
public record ServedModel(String name, String given, Model model) {
    /** The model's description: sizes, classes, its process and the sampler it is drawn with by default. */
    ObjectNode describe(ObjectMapper json) {
        UNetConfig c = model.unet().config();
        SchedulerConfig s = model.scheduler();
        ObjectNode o = json.createObjectNode();
        o.put("name", name);
        o.put("model", given);
        o.put("sample_size", c.sampleSize());
        o.put("in_channels", c.inChannels());
        o.put("classes", c.classConditional() ? model.classCount() : 0);
        o.put("guidance", c.classConditional() && model.hasNoClassLabel());
        o.put("parameters", model.unet().parameterCount());
        SchedulerConfig drawn = s.with(Samplers.defaultClass(s));
        o.put("default_scheduler", drawn.scheduler().alias);
        o.put("default_steps", Samplers.defaultSteps(drawn));
        try {
            JsonNode sc = json.readTree(s.toJson());
            o.set("scheduler_config", sc);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e); // our own JSON
        }
        return o;
    }
}
