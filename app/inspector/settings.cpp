#include "app/inspector/settings.h"

#include <QSettings>

namespace vitcop::inspector {
namespace {

// One instance for the process: QSettings batches writes and syncs them from the event loop, so
// remembering a choice costs no file I/O on the GUI thread at the moment it is made (a QSettings
// per call wrote and re-read the file every time, stalling the GUI by hundreds of ms per ask).
QSettings& store() {
  static auto* settings = new QSettings(QStringLiteral("ViTCoP"), QStringLiteral("Inspector"));
  return *settings;
}

}  // namespace

QStringList Settings::recentFiles() const {
  return store().value(QStringLiteral("recentFiles")).toStringList();
}

void Settings::addRecentFile(const QString& path) {
  QStringList files = recentFiles();
  files.removeAll(path);
  files.prepend(path);
  while (files.size() > kMaxRecent)
    files.removeLast();
  store().setValue(QStringLiteral("recentFiles"), files);
}

QVariant Settings::value(const QString& key, const QVariant& fallback) const {
  return store().value(key, fallback);
}

void Settings::setValue(const QString& key, const QVariant& value) {
  store().setValue(key, value);
}

QByteArray Settings::geometry() const {
  return store().value(QStringLiteral("window/geometry")).toByteArray();
}

QByteArray Settings::windowState() const {
  return store().value(QStringLiteral("window/state")).toByteArray();
}

void Settings::saveLayout(const QByteArray& geometry, const QByteArray& state) {
  auto& s = store();
  s.setValue(QStringLiteral("window/geometry"), geometry);
  s.setValue(QStringLiteral("window/state"), state);
}

bool Settings::firstStart() const {
  return !store().value(QStringLiteral("firstStartDone"), false).toBool();
}

void Settings::markFirstStartDone() {
  store().setValue(QStringLiteral("firstStartDone"), true);
}

void Settings::sync() {
  store().sync();
}

}  // namespace vitcop::inspector
