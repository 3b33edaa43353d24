package io.dualwrite.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of dualwrite, under the {@code dualwrite} prefix.
 */
@ConfigurationProperties("dualwrite")
public class DualWriteProperties {

    /** Whether dualwrite's auto-configuration is active at all. */
    private boolean enabled = true;

    /** The in-process MongoDB server used when no spring.mongodb.uri is set. */
    private final Embedded embedded = new Embedded();

    /** The shared phase toggles (one Togglz feature per migration). */
    private final Toggles toggles = new Toggles();

    /** The login that protects the Togglz console and the operations endpoints. */
    private final Security security = new Security();

    /** Bookkeeping collections. */
    private final Collections collections = new Collections();

    /** The instance registry: each instance reports the phase it acts on with a heartbeat. */
    private final Instances instances = new Instances();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Embedded getEmbedded() {
        return embedded;
    }

    public Toggles getToggles() {
        return toggles;
    }

    public Security getSecurity() {
        return security;
    }

    public Collections getCollections() {
        return collections;
    }

    public Instances getInstances() {
        return instances;
    }

    /** The in-process MongoDB server. */
    public static class Embedded {

        /** Start an in-process MongoDB server (one per JVM) when no spring.mongodb.uri is configured. */
        private boolean enabled = true;

        /** Database name used on the embedded server. */
        private String database = "dualwrite";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getDatabase() {
            return database;
        }

        public void setDatabase(String database) {
            this.database = database;
        }
    }

    /** The shared phase toggles. */
    public static class Toggles {

        /** Longest time a phase change made on one instance takes to be acted on by every other instance. */
        private Duration maxStaleness = Duration.ofSeconds(1);

        /** Poll the shared toggle state in the background; turn off only in tests that drive polling by hand. */
        private boolean pollInBackground = true;

        /** Collection holding the shared Togglz feature states. */
        private String collection = "dualwrite_togglz";

        /** Environment whose initial state is seeded from the toggles directory (toggles/&lt;environment&gt;.properties). */
        private String environment = "default";

        /** Where the initial toggle states are looked up, in order; the first location holding the file wins. */
        private List<String> locations = new ArrayList<>(List.of("file:./toggles/", "classpath:toggles/"));

        public Duration getMaxStaleness() {
            return maxStaleness;
        }

        public void setMaxStaleness(Duration maxStaleness) {
            this.maxStaleness = maxStaleness;
        }

        public boolean isPollInBackground() {
            return pollInBackground;
        }

        public void setPollInBackground(boolean pollInBackground) {
            this.pollInBackground = pollInBackground;
        }

        public String getCollection() {
            return collection;
        }

        public void setCollection(String collection) {
            this.collection = collection;
        }

        public String getEnvironment() {
            return environment;
        }

        public void setEnvironment(String environment) {
            this.environment = environment;
        }

        public List<String> getLocations() {
            return locations;
        }

        public void setLocations(List<String> locations) {
            this.locations = locations;
        }
    }

    /** The admin login for the Togglz console and the operations endpoints. */
    public static class Security {

        /** Protect the Togglz console and dualwrite's endpoints with dualwrite's own login. */
        private boolean enabled = true;

        /** Admin user name. */
        private String username = "admin";

        /** Admin password; when empty a random one is generated and logged once at startup. */
        private String password;

        /** Authority a user needs to use the console (users of your own UserDetailsService need it too). */
        private String adminAuthority = "ROLE_DUALWRITE_ADMIN";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public String getAdminAuthority() {
            return adminAuthority;
        }

        public void setAdminAuthority(String adminAuthority) {
            this.adminAuthority = adminAuthority;
        }
    }

    /** Bookkeeping collections. */
    public static class Collections {

        /** Durable record of second writes that did not apply, read by the repair job and the verifier. */
        private String repairs = "dualwrite_repairs";

        public String getRepairs() {
            return repairs;
        }

        public void setRepairs(String repairs) {
            this.repairs = repairs;
        }

        /** Copy and verification runs, one document each (plus one pointer per migration to its active run). */
        private String jobs = "dualwrite_jobs";

        /** The partitions of those runs: ranges, checkpoints, counters and leases. */
        private String jobPartitions = "dualwrite_job_partitions";

        /** Source documents the copier could not convert or write, with the error. */
        private String deadLetters = "dualwrite_dead_letters";

        public String getJobs() {
            return jobs;
        }

        public void setJobs(String jobs) {
            this.jobs = jobs;
        }

        public String getJobPartitions() {
            return jobPartitions;
        }

        public void setJobPartitions(String jobPartitions) {
            this.jobPartitions = jobPartitions;
        }

        public String getDeadLetters() {
            return deadLetters;
        }

        public void setDeadLetters(String deadLetters) {
            this.deadLetters = deadLetters;
        }
    }

    /** The copier and the verifier. */
    private final Copier copier = new Copier();

    public Copier getCopier() {
        return copier;
    }

    /** The copier and the verifier: defaults for runs this process starts, and how workers pace themselves. */
    public static class Copier {

        /** Worker threads a process starts on a run when the caller does not say. */
        private int workers = 1;

        /** Documents per batch: one read, one bulk write and one checkpoint each. */
        private int batchSize = 1000;

        /** Ranges of _id a new run is split into; workers in any process lease them one at a time. */
        private int partitions = 16;

        /** Run-wide limit in documents per second for new runs (0: unlimited); changeable while a run goes on. */
        private double rate = 0;

        /** How long a partition lease lasts without renewal; a dead worker's partition is taken over after it. */
        private Duration leaseTtl = Duration.ofSeconds(30);

        /** How often an idle or paused worker looks at the run again. */
        private Duration pollInterval = Duration.ofSeconds(1);

        /** How often progress is logged. */
        private Duration logInterval = Duration.ofSeconds(10);

        /** How many differences a verification keeps with their field-level diffs. */
        private int maxExamples = 20;

        public int getWorkers() {
            return workers;
        }

        public void setWorkers(int workers) {
            this.workers = workers;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        public int getPartitions() {
            return partitions;
        }

        public void setPartitions(int partitions) {
            this.partitions = partitions;
        }

        public double getRate() {
            return rate;
        }

        public void setRate(double rate) {
            this.rate = rate;
        }

        public Duration getLeaseTtl() {
            return leaseTtl;
        }

        public void setLeaseTtl(Duration leaseTtl) {
            this.leaseTtl = leaseTtl;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public Duration getLogInterval() {
            return logInterval;
        }

        public void setLogInterval(Duration logInterval) {
            this.logInterval = logInterval;
        }

        public int getMaxExamples() {
            return maxExamples;
        }

        public void setMaxExamples(int maxExamples) {
            this.maxExamples = maxExamples;
        }
    }

    /** The instance registry. */
    public static class Instances {

        /**
         * Register this process as an instance (heartbeat and deregistration). Turn off for processes that serve no
         * traffic, such as a command-line copier; they can still read the registry.
         */
        private boolean enabled = true;

        /**
         * This instance's id, unique among the instances sharing the database. Default: the host name (HOSTNAME,
         * the pod or container name where set), the process id and a random suffix.
         */
        private String id;

        /** Time between two heartbeats. */
        private Duration heartbeatInterval = Duration.ofSeconds(5);

        /**
         * How long after its last heartbeat an instance still counts as live; several heartbeat intervals, so that a
         * missed heartbeat or two does not drop a running instance.
         */
        private Duration ttl = Duration.ofSeconds(30);

        /** How long the entry of a silent instance is kept before it is removed (at least the ttl). */
        private Duration retention = Duration.ofDays(1);

        /** Collection holding one entry per instance. */
        private String collection = "dualwrite_instances";

        /**
         * The application version each instance reports. Default: spring.application.version (the manifest's
         * Implementation-Version), else the build info's version, else "unknown".
         */
        private String applicationVersion;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public Duration getHeartbeatInterval() {
            return heartbeatInterval;
        }

        public void setHeartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
        }

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        public String getCollection() {
            return collection;
        }

        public void setCollection(String collection) {
            this.collection = collection;
        }

        public String getApplicationVersion() {
            return applicationVersion;
        }

        public void setApplicationVersion(String applicationVersion) {
            this.applicationVersion = applicationVersion;
        }
    }

    private final Guard guard = new Guard();

    public Guard getGuard() {
        return guard;
    }

    /** The phase guard: the rules every phase change is checked against, the accepted phases and the audit log. */
    public static class Guard {

        /**
         * Whether phase changes are checked against the transitions and their prerequisites. When off, every valid
         * phase is accepted (still with compare-and-set and the audit log); meant for tests and sandboxes.
         */
        private boolean enabled = true;

        /** The accepted phase of each migration, changed only by compare-and-set. */
        private String phasesCollection = "dualwrite_phases";

        /** Every requested phase change, accepted or refused: who, when, from, to, why. */
        private String auditCollection = "dualwrite_phase_audit";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getPhasesCollection() {
            return phasesCollection;
        }

        public void setPhasesCollection(String phasesCollection) {
            this.phasesCollection = phasesCollection;
        }

        public String getAuditCollection() {
            return auditCollection;
        }

        public void setAuditCollection(String auditCollection) {
            this.auditCollection = auditCollection;
        }
    }

    /** Cleanup of the old shape (runbook step 6). */
    private final Cleanup cleanup = new Cleanup();

    public Cleanup getCleanup() {
        return cleanup;
    }

    /** Cleanup of the old shape: the dry run, the removal and its record. */
    public static class Cleanup {

        /** Whether the cleanup bean (and its command and endpoint) is available. */
        private boolean enabled = true;

        /** Collection recording every executed cleanup (migration, when, by whom, what was removed). */
        private String collection = "dualwrite_cleanups";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getCollection() {
            return collection;
        }

        public void setCollection(String collection) {
            this.collection = collection;
        }
    }

    /** The repair job: failed second writes completed under the version guard. */
    private final Repair repair = new Repair();

    public Repair getRepair() {
        return repair;
    }

    /** The repair job that completes failed second writes recorded in the repairs collection. */
    public static class Repair {

        /** Run the repair loop in the background (the Java API and the repair command work either way). */
        private boolean enabled = true;

        /** Time between two passes of the background loop. */
        private Duration interval = Duration.ofSeconds(10);

        /** How long after a failure its first repair is attempted (the failed write settles first). */
        private Duration delay = Duration.ofSeconds(10);

        /** Records a pass of the background loop takes at most. */
        private int batchSize = 100;

        /** Longest wait before a record that failed to repair is attempted again (waits double from the interval). */
        private Duration maxBackoff = Duration.ofMinutes(5);

        /** How long a process holds a record it is repairing; another takes it over only after this. */
        private Duration leaseTtl = Duration.ofSeconds(30);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public Duration getDelay() {
            return delay;
        }

        public void setDelay(Duration delay) {
            this.delay = delay;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public Duration getLeaseTtl() {
            return leaseTtl;
        }

        public void setLeaseTtl(Duration leaseTtl) {
            this.leaseTtl = leaseTtl;
        }
    }

    /** Shadow reads: in the write-both phases a sample of reads also reads the other shape and compares. */
    private final ShadowReads shadowReads = new ShadowReads();

    public ShadowReads getShadowReads() {
        return shadowReads;
    }

    /** Shadow reads ({@code dualwrite.shadow-reads.*}). */
    public static class ShadowReads {

        /** Compare a sample of reads with the other shape in the write-both phases. */
        private boolean enabled = true;

        /**
         * Share of reads compared (0 to 1 in whole percent: 0.01 = 1 %) for a migration whose shared rate toggle
         * does not exist yet; it is stored as that toggle once, then the console or ShadowReads.setSampleRate decide.
         */
        private double sampleRate = 0.01;

        /** Threads comparing sampled reads in the background (0: none; comparisons then wait to be drained). */
        private int threads = 1;

        /** Sampled reads waiting for a comparison at most; a sampled read beyond it is dropped and counted. */
        private int queueCapacity = 1000;

        /** How long after a difference both shapes are read again before it counts (a write in flight settles). */
        private Duration recheckDelay = Duration.ofSeconds(1);

        /** Documents of one sampled query result compared at most (the first ones returned). */
        private int maxDocumentsPerRead = 100;

        /** Collection recording mismatches (migration, entity id, phase, fields that differ, time). */
        private String collection = "dualwrite_shadow_mismatches";

        /** How long a recorded mismatch is kept (by dualwrite's clock). */
        private Duration retention = Duration.ofDays(7);

        /** Recorded mismatches kept per migration at most; older ones are removed first. */
        private int maxRecords = 10_000;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public double getSampleRate() {
            return sampleRate;
        }

        public void setSampleRate(double sampleRate) {
            this.sampleRate = sampleRate;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public int getQueueCapacity() {
            return queueCapacity;
        }

        public void setQueueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
        }

        public Duration getRecheckDelay() {
            return recheckDelay;
        }

        public void setRecheckDelay(Duration recheckDelay) {
            this.recheckDelay = recheckDelay;
        }

        public int getMaxDocumentsPerRead() {
            return maxDocumentsPerRead;
        }

        public void setMaxDocumentsPerRead(int maxDocumentsPerRead) {
            this.maxDocumentsPerRead = maxDocumentsPerRead;
        }

        public String getCollection() {
            return collection;
        }

        public void setCollection(String collection) {
            this.collection = collection;
        }

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        public int getMaxRecords() {
            return maxRecords;
        }

        public void setMaxRecords(int maxRecords) {
            this.maxRecords = maxRecords;
        }
    }

    private final Status status = new Status();

    public Status getStatus() {
        return status;
    }

    /** The operations surface: the status page, the {@code dualwrite} Actuator endpoint, the health and the gauges. */
    public static class Status {

        /** Serve the status page at /dualwrite/status (behind the admin login). */
        private boolean pageEnabled = true;

        /** How many entries of the phase audit log a migration's status lists. */
        private int auditEntries = 20;

        /**
         * How long the health contribution and the gauges reuse what they read from MongoDB (live instances,
         * unrepaired counts, the latest verification); the page and the endpoint always read afresh.
         */
        private Duration cacheTtl = Duration.ofSeconds(5);

        public boolean isPageEnabled() {
            return pageEnabled;
        }

        public void setPageEnabled(boolean pageEnabled) {
            this.pageEnabled = pageEnabled;
        }

        public int getAuditEntries() {
            return auditEntries;
        }

        public void setAuditEntries(int auditEntries) {
            this.auditEntries = auditEntries;
        }

        public Duration getCacheTtl() {
            return cacheTtl;
        }

        public void setCacheTtl(Duration cacheTtl) {
            this.cacheTtl = cacheTtl;
        }
    }
}
