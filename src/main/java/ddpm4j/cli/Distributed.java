package ddpm4j.cli;

import ddpm4j.dist.DistEnv;
import ddpm4j.dist.Group;

/** The command's place in a distributed run, from the torchrun-style environment. */
final class Distributed {
    private Distributed() {
    }

    /** This process's group: alone unless WORLD_SIZE > 1. */
    static Group join() {
        DistEnv env;
        try {
            env = DistEnv.fromEnvironment();
        } catch (IllegalArgumentException e) {
            throw new UserException("distributed environment: " + e.getMessage());
        }
        return Group.join(env);
    }
}
