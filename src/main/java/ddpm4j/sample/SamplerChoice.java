package ddpm4j.sample;

import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a user asks of the sampler (scheduler, steps or explicit timesteps, spacing, eta, clipping, scheduler keys),
 * read against a model's {@code scheduler_config.json}: the one reading that {@code sample}, the edit commands and
 * {@code serve} share, so that the same choices draw the same images everywhere. Null fields take the model's or the
 * scheduler's defaults.
 *
 * @param scheduler a scheduler's class or short name ({@link SchedulerClass#lookup}), or null for the model's
 * @param settings  scheduler keys set in this order, values as a scheduler_config.json holds them
 */
public record SamplerChoice(String scheduler, Integer steps, int[] timesteps, String spacing, Double eta, Boolean clip,
                            Map<String, Object> settings) {
    /** Every choice left to the model. */
    public static final SamplerChoice DEFAULTS = new SamplerChoice(null, null, null, null, null, null, Map.of());

    public SamplerChoice {
        timesteps = timesteps == null ? null : timesteps.clone();
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** A choice that cannot be honoured; {@link #field} names the choice at fault (steps, timesteps, scheduler, spacing, eta, clip, set). */
    public static final class Invalid extends IllegalArgumentException {
        private final String field;
        private final String template;

        Invalid(String field, String template) {
            super(String.format(Locale.ROOT, template, field));
            this.field = field;
            this.template = template;
        }

        public String field() {
            return field;
        }

        /** The message with the choice called {@code name} (an option such as --steps, a request field such as steps). */
        public String messageFor(String name) {
            return String.format(Locale.ROOT, template, name);
        }
    }

    /** Refuses what is wrong whatever the model: a negative eta, an unknown spacing or scheduler, both steps and timesteps. */
    public void validate() {
        if (eta != null && !(eta >= 0 && Double.isFinite(eta))) {
            throw new Invalid("eta", "%s must be a non-negative number, got " + eta);
        }
        if (spacing != null) {
            try {
                Spacing.of(spacing);
            } catch (IllegalArgumentException e) {
                throw new Invalid("spacing", "%s: " + escape(e.getMessage()));
            }
        }
        if (scheduler != null) {
            schedulerClass(null, Samplers.DEFAULT);
        }
        if (timesteps != null && steps != null) {
            throw new Invalid("steps", "give %s or timesteps, not both");
        }
    }

    /** The scheduler class: the one asked for, else the model's ({@link Samplers#defaultClass}; {@code fallback} for a DDPMScheduler). */
    public SchedulerClass schedulerClass(SchedulerConfig model, SchedulerClass fallback) {
        if (scheduler != null) {
            try {
                return SchedulerClass.lookup(scheduler);
            } catch (IllegalArgumentException e) {
                throw new Invalid("scheduler", "%s: " + escape(e.getMessage()));
            }
        }
        return model == null ? fallback : Samplers.defaultClass(model, fallback);
    }

    /** The scheduler configuration these choices make of a model's. */
    public SchedulerConfig config(SchedulerConfig model, SchedulerClass fallback) {
        SchedulerConfig c;
        try {
            c = model.with(schedulerClass(model, fallback));
        } catch (Invalid e) {
            throw e;
        } catch (IllegalArgumentException e) { // a scheduler this model's process cannot take
            throw new Invalid("scheduler", escape(e.getMessage()));
        }
        c = set(c, "timestep_spacing", spacing, "spacing");
        c = set(c, "eta", eta, "eta");
        c = set(c, "clip_sample", clip, "clip");
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            if (!c.has(e.getKey())) {
                throw new Invalid("set", "%s: " + c.className() + " has no key '" + escape(e.getKey()) + "'");
            }
            try {
                c = c.withSetting(e.getKey(), e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new Invalid("set", escape(ex.getMessage()));
            }
        }
        return c;
    }

    /** The sampler these choices describe for a model's process. */
    public TracedSampler build(SchedulerConfig model, SchedulerClass fallback) {
        SchedulerConfig c = config(model, fallback);
        try {
            return timesteps != null ? Samplers.at(c, timesteps) : Samplers.of(c, steps != null ? steps : Samplers.defaultSteps(c));
        } catch (IllegalArgumentException e) {
            String m = escape(e.getMessage());
            if (timesteps != null) {
                throw new Invalid("timesteps", "%s: " + m);
            }
            if (steps != null && m.startsWith("steps ")) {
                throw new Invalid("steps", "%s" + m.substring("steps".length()));
            }
            boolean aKey = settings.keySet().stream().anyMatch(k -> m.startsWith("'" + k + "'") || m.contains(" '" + k + "'"));
            throw new Invalid(aKey ? "set" : "scheduler", m); // as the scheduler says it, naming its key
        }
    }

    private static SchedulerConfig set(SchedulerConfig c, String key, Object value, String field) {
        if (value == null) {
            return c;
        }
        if (!c.has(key)) {
            throw new Invalid(field, "%s does not apply to " + c.className() + " (it has no '" + key + "')");
        }
        return c.withSetting(key, value);
    }

    /** A message made safe to be a format template. */
    private static String escape(String message) {
        return String.valueOf(message).replace("%", "%%");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplerChoice c && java.util.Objects.equals(scheduler, c.scheduler) && java.util.Objects.equals(steps, c.steps)
                && Arrays.equals(timesteps, c.timesteps) && java.util.Objects.equals(spacing, c.spacing) && java.util.Objects.equals(eta, c.eta)
                && java.util.Objects.equals(clip, c.clip) && settings.equals(c.settings);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(scheduler, steps, Arrays.hashCode(timesteps), spacing, eta, clip, settings);
    }
}
