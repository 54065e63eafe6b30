#include "app/inspector/inference_worker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <QMetaObject>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>

#include "app/cli/args.h"
#include "app/cli/default_model.h"
#include "core/generation/cancellation.h"
#include "core/model/llava_model.h"

namespace vitcop::inspector {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::shared_ptr<const session::LoadedModel> openModel(const ModelSpec& spec) {
  const cli::Args args(spec.argv, {"model", "random-init", "init-seed", "device", "dtype"});
  if (spec.llmLayers > 0 && args.has("random-init")) {
    // A preset cut to fewer LLM layers keeps every per-layer shape (and so the GUI's per-layer
    // costs) while fitting a shared machine; the source string says so wherever it is shown.
    auto config = model::presetConfig(args.str("random-init"));
    config.text.numLayers = spec.llmLayers;
    session::LoadOptions load;
    load.device = args.str("device", "auto");
    load.dtype = args.str("dtype", "auto");
    return session::LoadedModel::randomInit(
        config,
        "random-init:" + args.str("random-init") + " (" + std::to_string(spec.llmLayers) +
            " LLM layers)",
        load, static_cast<uint64_t>(args.integer("init-seed", 1234, 0, INT64_MAX)));
  }
  return cli::openModel(args);
}

}  // namespace

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<std::shared_ptr<const ModelInfo>>();
  qRegisterMetaType<std::shared_ptr<const RunOutcome>>();
  qRegisterMetaType<JobKind>();
  executor_ = new QObject;
  executor_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, executor_, &QObject::deleteLater);
  thread_.setObjectName(QStringLiteral("inference"));
  thread_.start();
  // Model work runs a few nice levels below the GUI thread (Linux nice is per thread, and the
  // OpenMP pool this thread spawns inherits it): when both want the CPU, the event loop wins, so
  // a run on a busy 2-core machine does not freeze the window; an idle GUI costs the model
  // nothing.
  QMetaObject::invokeMethod(
      executor_,
      [] {
        const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
        errno = 0;
        const int current = ::getpriority(PRIO_PROCESS, tid);
        if (errno == 0) ::setpriority(PRIO_PROCESS, tid, std::min(current + 5, 19));
      },
      Qt::QueuedConnection);
}

InferenceWorker::~InferenceWorker() {
  cancel();
  thread_.quit();
  // The running job stops at its next layer boundary; a model load finishes first.
  thread_.wait();
  // Release the model on this thread only after the executor has stopped using it.
  model_.reset();
}

int InferenceWorker::load(ModelSpec spec) {
  Job job;
  job.kind = JobKind::Load;
  job.spec = std::move(spec);
  return submit(std::move(job));
}

int InferenceWorker::ask(AskJob ask) {
  Job job;
  job.kind = JobKind::Ask;
  job.ask = std::move(ask);
  return submit(std::move(job));
}

int InferenceWorker::submit(Job job) {
  job.cancel = std::make_shared<std::atomic<bool>>(false);
  int superseded = 0;
  int id = 0;
  {
    std::lock_guard lock(mutex_);
    id = job.id = nextId_++;
    if (pending_) superseded = pending_->id;
    pending_ = std::move(job);
  }
  if (superseded) {
    Q_EMIT jobSuperseded(superseded);
    Q_EMIT jobDone(superseded);
  }
  QMetaObject::invokeMethod(
      executor_, [this] { drain(); }, Qt::QueuedConnection);
  return id;
}

bool InferenceWorker::hasPending() const {
  std::lock_guard lock(mutex_);
  return pending_.has_value();
}

void InferenceWorker::cancel() {
  int dropped = 0;
  {
    std::lock_guard lock(mutex_);
    if (pending_) dropped = pending_->id;
    pending_.reset();
    if (runningCancel_) runningCancel_->store(true);
  }
  if (dropped) {
    Q_EMIT jobCancelled(dropped);
    Q_EMIT jobDone(dropped);
  }
}

void InferenceWorker::drain() {
  Job job;
  {
    std::lock_guard lock(mutex_);
    if (!pending_) return;  // taken by an earlier drain, or cancelled
    job = std::move(*pending_);
    pending_.reset();
    runningCancel_ = job.cancel;
    running_ = job.id;
  }
  Q_EMIT jobStarted(job.id, job.kind);
  try {
    if (job.kind == JobKind::Load)
      runLoad(job);
    else
      runAsk(job);
  } catch (const generation::Cancelled&) {
    Q_EMIT jobCancelled(job.id);
  } catch (const std::exception& e) {
    Q_EMIT jobFailed(job.id, QString::fromStdString(e.what()));
  }
  {
    std::lock_guard lock(mutex_);
    runningCancel_.reset();
    running_ = 0;
  }
  Q_EMIT jobDone(job.id);
}

void InferenceWorker::runLoad(const Job& job) {
  Q_EMIT progress(job.id, tr("Loading %1").arg(job.spec.label), 0, 0);
  auto model = openModel(job.spec);
  // The load itself cannot be interrupted; a cancelled one is dropped here so the session that
  // was open before stays in use.
  generation::throwIfCancelled(job.cancel.get());
  model_ = std::move(model);
  auto info = std::make_shared<ModelInfo>();
  info->source = QString::fromStdString(model_->source());
  info->config = model_->config();
  info->processor = model_->imageProcessor();
  info->loadMs = model_->loadMs();
  info->dtypeNote = QString::fromStdString(model_->dtypeNote());
  Q_EMIT modelReady(job.id, info);
}

void InferenceWorker::runAsk(const Job& job) {
  if (!model_)
    throw std::runtime_error(
        tr("no model loaded: File → Open model folder, or start with --model DIR or "
           "--random-init PRESET")
            .toStdString());
  const int slots = static_cast<int>(job.ask.configs.size());
  for (int slot = 0; slot < slots; ++slot) {
    const RunConfig& config = job.ask.configs[static_cast<size_t>(slot)];
    session::AskRequest request = job.ask.request;
    request.pruning = config.pruning;
    request.cancel = job.cancel.get();
    auto outcome = std::make_shared<RunOutcome>();
    outcome->jobId = job.id;
    outcome->slot = slot;
    outcome->label = config.label;
    const QString prefix =
        slots > 1 ? QStringLiteral("%1 (%2/%3): ").arg(config.label).arg(slot + 1).arg(slots)
                  : QString();
    const int maxTokens = static_cast<int>(request.maxNewTokens);
    const auto t0 = Clock::now();
    request.onText = [&, slot](const std::string& piece) {
      outcome->tokenAtMs.push_back(msSince(t0));
      Q_EMIT textStreamed(job.id, slot, QString::fromStdString(piece));
      Q_EMIT progress(job.id, prefix + tr("decoding"), static_cast<int>(outcome->tokenAtMs.size()),
                      maxTokens);
    };
    Q_EMIT progress(job.id, prefix + tr("vision encode, selection and prefill"), 0, maxTokens);
    session::AskResult result = session::ask(*model_, request);
    outcome->totalMs = msSince(t0);
    outcome->trace = std::make_shared<const trace::RunTrace>(std::move(result.trace));
    result.trace = {};
    outcome->result = std::move(result);
    Q_EMIT runFinished(outcome);
  }
}

}  // namespace vitcop::inspector
