package ddpm4j.train;

import ddpm4j.data.ImageSource;
import ddpm4j.dist.Group;
import ddpm4j.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.torch.Device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Progressive distillation (Salimans &amp; Ho 2022) of a teacher into a student of {@code passes} steps: stages that each halve
 * the steps, from the teacher's {@code teacherSteps} DDIM steps down. Every stage is a training run of its own in
 * {@code OUT/stages/K} ({@link ProgressiveDistillation}'s objective, the previous stage's model as its teacher, kept in the
 * run), so a stage checkpoints, resumes bit for bit and runs on several ranks as {@code train} does, and its model directory
 * samples in K steps. When the last stage ends, its model is written as OUT, which {@code sample --model OUT} draws in
 * {@code passes} steps. Running the same plan again goes on where it stopped.
 */
public final class Distiller {
    public static final String STAGES = "stages";
    /** The plan of OUT, so that running again continues the same distillation (and another plan is refused). */
    public static final String PLAN = "distillation.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param teacherSteps the teacher's DDIM steps that the first stage halves: {@code passes} times a power of two
     * @param passes       the final student's steps
     * @param stageSteps   training steps of each stage
     * @param settings     the training settings of every stage (steps, objective, sample steps and seed are set per stage)
     */
    public record Plan(int teacherSteps, int passes, long stageSteps, TrainSettings settings) {
        public Plan {
            if (passes < 1) {
                throw new IllegalArgumentException("passes must be at least 1, got " + passes);
            }
            if (teacherSteps <= passes || teacherSteps % passes != 0 || Integer.bitCount(teacherSteps / passes) != 1) {
                throw new IllegalArgumentException("the teacher's steps must be passes (" + passes + ") times a power of two above 1, got "
                        + teacherSteps);
            }
            if (stageSteps < 1) {
                throw new IllegalArgumentException("steps per stage must be at least 1, got " + stageSteps);
            }
        }

        /** The students' steps, stage by stage: teacherSteps/2, teacherSteps/4, ..., passes. */
        public List<Integer> stages() {
            List<Integer> out = new ArrayList<>();
            for (int k = teacherSteps / 2; k >= passes; k /= 2) {
                out.add(k);
            }
            return out;
        }

        /** Stage {@code k}'s settings: its steps, its student's passes for the sample grids and evaluations, its own seed. */
        TrainSettings stage(int k) {
            return settings.toBuilder().objective(Objective.PROGRESSIVE_DISTILLATION.cliName).steps(stageSteps).sampleSteps(k)
                    .seed(settings.seed() + k).build();
        }

        /**
         * What OUT records of the distillation: the plan, the teacher's configurations and the stages' settings (but their
         * precision, which each stage's run keeps as train's runs do), so that running again continues only the same one.
         */
        com.fasterxml.jackson.databind.node.ObjectNode record(Model teacher) throws IOException {
            var o = JSON.createObjectNode();
            o.put("method", "progressive");
            o.put("teacher_steps", teacherSteps);
            o.put("passes", passes);
            o.put("stage_steps", stageSteps);
            o.set("teacher_config", JSON.readTree(ddpm4j.io.ConfigJson.unetJson(teacher.unet().config())));
            o.set("teacher_scheduler", JSON.readTree(teacher.scheduler().toJson()));
            o.set("settings", JSON.readTree(Checkpoint.settingsJson(settings.toBuilder().precision(null).build())));
            return o;
        }
    }

    /** What a distillation reports besides its stages' training steps. */
    public interface Listener {
        /** Stage {@code index} of {@code count} (a student of {@code passes} steps) is about to train from step {@code from} to {@code steps}. */
        default void stage(int index, int count, int passes, long from, long steps) {
        }

        /** The listener of the current stage's training. */
        default Trainer.Listener training() {
            return new Trainer.Listener() { };
        }

        /** The stage of {@code passes} steps has trained. */
        default void stageDone(int passes) {
        }
    }

    private Distiller() {
    }

    /**
     * Refuses {@code plan} where {@code out} holds another distillation (another teacher, plan or settings) or a model
     * directory that is not a distillation's.
     *
     * @throws IllegalArgumentException naming what differs
     */
    public static void checkPlan(Model teacher, Path out, Plan plan) throws IOException {
        for (int k : plan.stages()) {
            ProgressiveDistillation.check(teacher, k);
        }
        Path planFile = out.resolve(PLAN);
        if (Files.exists(planFile)) {
            var saved = JSON.readTree(Files.readString(planFile, StandardCharsets.UTF_8));
            var now = JSON.readTree(plan.record(teacher).toString()); // as the file reads back: a number's node type by its text
            for (String key : new String[] {"method", "teacher_steps", "passes", "stage_steps", "teacher_config", "teacher_scheduler", "settings"}) {
                if (!java.util.Objects.equals(saved.get(key), now.get(key))) {
                    throw new IllegalArgumentException(out + " holds another distillation: its " + key.replace('_', ' ') + " differs ("
                            + planFile + "); run it with its own teacher and options, or choose another --out");
                }
            }
        } else if (Files.exists(out.resolve(ModelDirectory.CONFIG)) || Checkpoint.exists(out)) {
            throw new IllegalArgumentException(out + " holds a model or a training run; distill writes a new directory");
        }
    }

    /** The run directory of the stage whose student takes {@code passes} steps. */
    public static Path stageDir(Path out, int passes) {
        return out.resolve(STAGES).resolve(Integer.toString(passes));
    }

    /**
     * Runs every stage of {@code plan} not yet done, then writes the last student as the model directory {@code out}.
     *
     * @param teacher the teacher model (read only for the first stage's start)
     * @throws IllegalArgumentException when {@code out} holds another plan, or the teacher cannot be distilled
     */
    public static void run(Model teacher, Path out, ImageSource images, Plan plan, Listener listener, Device device, Group group)
            throws IOException {
        checkPlan(teacher, out, plan);
        if (!Files.exists(out.resolve(PLAN)) && group.isMain()) {
            AtomicFiles.write(out.resolve(PLAN), plan.record(teacher).toPrettyString().getBytes(StandardCharsets.UTF_8));
        }
        List<Integer> stages = plan.stages();
        Path previous = null;
        for (int i = 0; i < stages.size(); i++) {
            int k = stages.get(i);
            Path dir = stageDir(out, k);
            TrainSettings settings = plan.stage(k);
            boolean started = Checkpoint.exists(dir);
            long done = started ? Checkpoint.step(dir) : 0;
            if (done < settings.steps()) {
                listener.stage(i, stages.size(), k, done, settings.steps());
                Trainer trainer;
                if (started) {
                    trainer = Trainer.resume(dir, images, null, device, group);
                } else {
                    if (group.isMain()) { // the stage keeps its teacher: the previous student, or the model given
                        try (Model t = previous == null ? null : ModelDirectory.load(previous)) {
                            Model from = t != null ? t : teacher;
                            ModelDirectory.save(dir.resolve(ProgressiveDistillation.TEACHER), from.unet(), from.scheduler());
                        }
                    }
                    group.barrier();
                    ModelDirectory kept = ModelDirectory.open(dir.resolve(ProgressiveDistillation.TEACHER)); // the student is its teacher's network
                    trainer = Trainer.start(dir, kept.readUNetConfig(), ProgressiveDistillation.studentProcess(kept.loadScheduler(), k), settings,
                            images, device, group);
                }
                try (Trainer t = trainer) {
                    t.run(listener.training());
                }
                listener.stageDone(k);
            }
            previous = dir;
        }
        if (group.isMain()) {
            try (Model last = ModelDirectory.load(previous)) {
                ModelDirectory.save(out, last.unet(), last.scheduler(), plan.settings().layout());
            }
        }
        group.barrier();
    }
}
