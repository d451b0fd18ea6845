// The preload hands the renderer only what a browser page cannot get by
// itself: where the core listens and its API token, the keychain, the dock
// or tray badge, and a relaunch. Each function invokes one named channel.

import { contextBridge, ipcRenderer } from 'electron'
import { IpcChannels, type LoupeBridge } from '../shared/ipc'

const bridge: LoupeBridge = {
  getConnection: () => ipcRenderer.invoke(IpcChannels.getConnection),
  getKeychainStatus: () => ipcRenderer.invoke(IpcChannels.getKeychainStatus),
  listProviderKeys: () => ipcRenderer.invoke(IpcChannels.listProviderKeys),
  storeProviderKey: (provider, key) =>
    ipcRenderer.invoke(IpcChannels.storeProviderKey, provider, key),
  deleteProviderKey: (provider) => ipcRenderer.invoke(IpcChannels.deleteProviderKey, provider),
  setFailedRunCount: (count) => ipcRenderer.invoke(IpcChannels.setFailedRunCount, count),
  relaunch: () => ipcRenderer.invoke(IpcChannels.relaunch),
}

contextBridge.exposeInMainWorld('loupe', bridge)
