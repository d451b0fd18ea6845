// The preload hands the renderer only what a browser page cannot get by
// itself: where the core listens and its API token.

import { contextBridge, ipcRenderer } from 'electron'
import { IpcChannels, type CoreConnection, type LoupeBridge } from '../shared/ipc'

const bridge: LoupeBridge = {
  getConnection: () => ipcRenderer.invoke(IpcChannels.getConnection) as Promise<CoreConnection>,
}

contextBridge.exposeInMainWorld('loupe', bridge)
