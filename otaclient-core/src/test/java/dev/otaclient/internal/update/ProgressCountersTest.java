package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.status.UpdatePhase;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.UpdateStage;
import org.junit.jupiter.api.Test;

/** The v2 view of the counters: its phase follows the pipeline and the network need exactly. */
class ProgressCountersTest {
  @Test
  void theV2PhaseFollowsThePipelineAndLeavesDownloadingWhenTheLastNetworkGroupIsPlaced() {
    ProgressCounters c = new ProgressCounters();
    assertThat(c.stage()).isEqualTo(UpdateStage.INITIALIZING);
    c.phase(UpdatePhase.METADATA);
    assertThat(c.stage()).isEqualTo(UpdateStage.PROCESSING_METADATA);
    c.deltaStarted();
    assertThat(c.stage()).isEqualTo(UpdateStage.CALCULATING_DELTA);
    c.phase(UpdatePhase.DIRECTORY);
    c.phase(UpdatePhase.SYMLINK);
    assertThat(c.stage()).isEqualTo(UpdateStage.CALCULATING_DELTA);
    c.phase(UpdatePhase.REGULAR);
    assertThat(c.stage()).as("before the delta's totals are announced: still calculating, network needed")
        .isEqualTo(UpdateStage.CALCULATING_DELTA);
    assertThat(c.stage().needsNetwork()).isTrue();
    assertThat(c.updateSnapshot().totalDownloadFilesNum()).isZero();
    c.deltaKnown(1, 100, 2);
    assertThat(c.stage()).isEqualTo(UpdateStage.DOWNLOADING_OTA_FILES);
    assertThat(c.updateSnapshot().totalDownloadFilesNum()).as("announced with the phase").isEqualTo(1);
    c.groupPlaced();
    assertThat(c.stage()).as("one group may still need the network").isEqualTo(UpdateStage.DOWNLOADING_OTA_FILES);
    assertThat(c.stage().needsNetwork()).isTrue();
    c.groupPlaced();
    assertThat(c.stage()).isEqualTo(UpdateStage.APPLYING_UPDATE);
    assertThat(c.stage().needsNetwork()).isFalse();
    c.phase(UpdatePhase.PERSISTENT);
    assertThat(c.stage()).isEqualTo(UpdateStage.APPLYING_UPDATE);
    c.phase(UpdatePhase.POST_PROCESSING);
    assertThat(c.stage()).isEqualTo(UpdateStage.PROCESSING_POSTUPDATE);
  }

  @Test
  void aDeltaWithNothingToFetchGoesStraightToApplying() {
    ProgressCounters c = new ProgressCounters();
    c.phase(UpdatePhase.REGULAR);
    c.deltaKnown(0, 0, 0);
    assertThat(c.stage()).isEqualTo(UpdateStage.APPLYING_UPDATE);
  }

  @Test
  void theSnapshotCarriesTheCountersInTheirV2Fields() {
    ProgressCounters c = new ProgressCounters();
    long before = System.currentTimeMillis() / 1000;
    c.targetVersion("2.0");
    c.totals(10, 1000);
    c.phase(UpdatePhase.REGULAR);
    c.deltaKnown(3, 300, 5);
    c.processed(ProgressCounters.Op.DOWNLOAD, 100, 1_000);
    c.processed(ProgressCounters.Op.COPY, 50, 1_000);
    c.processed(ProgressCounters.Op.LINK, 50, 1_000);
    c.downloadBytes(70);
    c.downloadError();
    c.removed(4);

    UpdateProgress u = c.updateSnapshot();
    assertThat(u.updateFirmwareVersion()).isEqualTo("2.0");
    assertThat(u.totalFilesNum()).isEqualTo(10);
    assertThat(u.totalFilesSizeUncompressed()).isEqualTo(1000);
    assertThat(u.updateStartTimestamp()).isBetween(before, System.currentTimeMillis() / 1000);
    assertThat(u.totalDownloadFilesNum()).isEqualTo(3);
    assertThat(u.totalDownloadFilesSize()).isEqualTo(300);
    assertThat(u.downloadedFilesNum()).isEqualTo(1);
    assertThat(u.downloadedFilesSize()).isEqualTo(100);
    assertThat(u.downloadedBytes()).isEqualTo(70);
    assertThat(u.downloadingErrors()).isEqualTo(1);
    assertThat(u.processedFilesNum()).isEqualTo(3);
    assertThat(u.processedFilesSize()).isEqualTo(200);
    assertThat(u.totalRemoveFilesNum()).isEqualTo(4);
    assertThat(u.removedFilesNum()).isEqualTo(4);
    assertThat(u.phase()).isEqualTo(UpdateStage.DOWNLOADING_OTA_FILES);
  }

  @Test
  void elapsedTimesAreTheTimeSpentInTheirPhases() {
    ProgressCounters c = new ProgressCounters();
    c.phase(UpdatePhase.METADATA);
    c.deltaStarted();
    UpdateProgress inDelta = c.updateSnapshot();
    assertThat(inDelta.downloadingElapsedTime()).isZero();
    assertThat(inDelta.updateApplyingElapsedTime()).isZero();
    c.phase(UpdatePhase.REGULAR);
    c.deltaKnown(0, 0, 1);
    UpdateProgress downloading = c.updateSnapshot();
    c.groupPlaced();
    UpdateProgress applying = c.updateSnapshot();
    UpdateProgress later = c.updateSnapshot();
    // the delta phase ended: its time no longer grows; the download phase ended as well
    assertThat(later.deltaGeneratingElapsedTime()).isEqualTo(applying.deltaGeneratingElapsedTime())
        .isGreaterThanOrEqualTo(inDelta.deltaGeneratingElapsedTime());
    assertThat(later.downloadingElapsedTime()).isEqualTo(applying.downloadingElapsedTime())
        .isGreaterThanOrEqualTo(downloading.downloadingElapsedTime());
    assertThat(later.updateApplyingElapsedTime()).isGreaterThanOrEqualTo(applying.updateApplyingElapsedTime());
    assertThat(later.totalElapsedTime()).isGreaterThanOrEqualTo(later.deltaGeneratingElapsedTime()
        .plus(later.downloadingElapsedTime()).plus(later.updateApplyingElapsedTime()));
  }

  @Test
  void aClientUpdateIsDownloadingTheClientThroughout() {
    ProgressCounters c = new ProgressCounters();
    c.clientUpdate();
    c.phase(UpdatePhase.METADATA);
    assertThat(c.stage()).isEqualTo(UpdateStage.DOWNLOADING_OTA_CLIENT);
  }
}
