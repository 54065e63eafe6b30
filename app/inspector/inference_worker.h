#pragma once
// The one owner of model work (RenderDoc's replay-thread pattern). A GUI-thread facade hands
// jobs to an executor living on its own QThread; the executor owns the LoadedModel, so the
// model is only ever touched on that thread. At most one job runs and at most one waits: a
// newer submission replaces the waiting one (superseded), and cancel() raises the running
// job's flag, which the engine polls between layers and tokens. Results come back as signals,
// which Qt queues to the GUI thread; nothing here ever blocks the caller.
#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/checkpoint/llava_config.h"
#include "core/session/ask.h"
#include "core/trace/run_trace.h"

namespace vitcop::inspector {

// What to load. `argv` uses the CLI's own option names (--model, --random-init, --init-seed,
// --device, --dtype) and goes through the CLI's openModel, so both front ends open models the
// same way. `llmLayers` > 0 cuts a --random-init preset to that many LLM layers (benchmarks).
struct ModelSpec {
  std::vector<std::string> argv;
  int llmLayers = 0;
  QString label;  // for the log and the status bar
};

struct ModelInfo {
  QString source;  // "DIR" or "random-init:PRESET"
  checkpoint::LlavaConfig config;
  checkpoint::ImageProcessorConfig processor;
  double loadMs = 0.0;
  QString dtypeNote;  // LoadedModel::dtypeNote: why "auto" chose another dtype
};

// One configuration of an ask job; compare mode sends two (slot 0 = A, slot 1 = B) that run
// back to back on the same input.
struct RunConfig {
  session::PruningRequest pruning;
  QString label;  // "vitcop · 33%"
};

struct AskJob {
  session::AskRequest request;  // onText and cancel are set by the worker
  std::vector<RunConfig> configs;
};

// One finished run. The trace is shared, immutable and drawn straight from by every view.
struct RunOutcome {
  int jobId = 0;
  int slot = 0;
  QString label;
  std::shared_ptr<const trace::RunTrace> trace;
  session::AskResult result;  // result.trace is moved into `trace`
  QVector<double> tokenAtMs;  // ms since the run started at which each token streamed
  double totalMs = 0.0;       // wall clock of session::ask
};

enum class JobKind { Load, Ask };

class InferenceWorker : public QObject {
  Q_OBJECT
 public:
  explicit InferenceWorker(QObject* parent = nullptr);
  ~InferenceWorker() override;  // cancels, then joins the thread

  // Thread-safe, never blocks on model work. Returns the job id.
  int load(ModelSpec spec);
  int ask(AskJob job);
  // Drops the waiting job and asks the running one to stop. A model load cannot be
  // interrupted inside LibTorch; its result is discarded when it returns and the previous
  // model stays in place.
  void cancel();
  bool busy() const { return running_.load() != 0 || hasPending(); }
  int runningJob() const { return running_.load(); }

 Q_SIGNALS:
  void jobStarted(int jobId, vitcop::inspector::JobKind kind);
  void progress(int jobId, const QString& stage, int done, int total);  // total 0: unknown
  void textStreamed(int jobId, int slot, const QString& piece);
  void modelReady(int jobId, std::shared_ptr<const vitcop::inspector::ModelInfo> info);
  void runFinished(std::shared_ptr<const vitcop::inspector::RunOutcome> outcome);
  void jobFailed(int jobId, const QString& message);
  void jobCancelled(int jobId);
  void jobSuperseded(int jobId);
  void jobDone(int jobId);  // after finished, failed or cancelled

 private:
  struct Job {
    int id = 0;
    JobKind kind = JobKind::Ask;
    ModelSpec spec;
    AskJob ask;
    std::shared_ptr<std::atomic<bool>> cancel;
  };
  int submit(Job job);
  bool hasPending() const;
  void drain();  // executor thread
  void runLoad(const Job& job);
  void runAsk(const Job& job);

  QThread thread_;
  QObject* executor_ = nullptr;  // lives on thread_, receives the drain calls
  mutable std::mutex mutex_;
  std::optional<Job> pending_;
  std::shared_ptr<std::atomic<bool>> runningCancel_;
  std::atomic<int> running_{0};
  int nextId_ = 1;
  // Only touched on the executor thread.
  std::shared_ptr<const session::LoadedModel> model_;
};

}  // namespace vitcop::inspector

Q_DECLARE_METATYPE(std::shared_ptr<const vitcop::inspector::ModelInfo>)
Q_DECLARE_METATYPE(std::shared_ptr<const vitcop::inspector::RunOutcome>)
Q_DECLARE_METATYPE(vitcop::inspector::JobKind)
